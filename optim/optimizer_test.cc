#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "losses/distance_map.h"
#include "losses/hinge_loss.h"
#include "losses/learned_loss.h"
#include "losses/least_squares_loss.h"
#include "optim/gradient_descent.h"
#include "optim/objective.h"
#include "optim/steepest_descent.h"

namespace dimp::optim {
namespace {

using losses::HingeLoss;
using losses::LearnedLoss;
using losses::LeastSquaresLoss;

// A random discriminative problem: N feature maps with a target at a random centre.
struct Problem {
  at::Tensor features, centers, f0;
};

Problem random_problem(uint64_t seed, int64_t N = 10, int64_t S = 1, int64_t C = 16, int64_t H = 9,
                       int64_t k = 4) {
  at::manual_seed(seed);
  const int64_t out = H + 2 * (k / 2) - k + 1;
  Problem p;
  p.features = at::randn({N, S, C, H, H}, at::kDouble) / std::sqrt(static_cast<double>(C * k * k)) * 3;
  p.centers = 2 + at::rand({N, S, 2}, at::kDouble) * (out - 5);
  p.f0 = at::randn({S, C, k, k}, at::kDouble) * 0.1;
  return p;
}

LearnedLoss double_learned_loss() {
  LearnedLoss loss({/*num_bins=*/20, /*displacement=*/0.5, /*init_gauss_sigma=*/1.0, /*mask_init_factor=*/3.0,
                    /*init_filter_reg=*/0.1});
  loss.label_coeffs = loss.label_coeffs.to(at::kDouble);
  loss.mask_coeffs = loss.mask_coeffs.to(at::kDouble);
  loss.weight_coeffs = loss.weight_coeffs.to(at::kDouble);
  loss.filter_reg = loss.filter_reg.to(at::kDouble);
  return loss;
}

template <class Loss>
TrainingSet make_set(const Loss& loss, const Problem& p) {
  const int64_t out = p.features.size(3) + 2 * (p.f0.size(2) / 2) - p.f0.size(2) + 1;
  return {p.features, loss.maps(p.centers, out, out), at::Tensor()};
}

template <class Loss>
class OptimizerSuite : public ::testing::Test {
 public:
  static Loss make_loss() {
    if constexpr (std::is_same_v<Loss, LearnedLoss>) {
      return double_learned_loss();
    } else if constexpr (std::is_same_v<Loss, HingeLoss>) {
      return HingeLoss({1.0, 0.05, 0.05});
    } else {
      return LeastSquaresLoss({1.0, 0.05});
    }
  }
};

using LossTypes = ::testing::Types<LearnedLoss, HingeLoss, LeastSquaresLoss>;
TYPED_TEST_SUITE(OptimizerSuite, LossTypes);

TYPED_TEST(OptimizerSuite, HalfGradientEqualsAutograd) {
  auto loss = TestFixture::make_loss();
  auto p = random_problem(1);
  auto set = make_set(loss, p);
  Objective<TypeParam> obj(loss, set, {4, 4}, FilterBackend::kBlas);
  auto f = p.f0.clone().requires_grad_();
  auto [r, dr] = obj.residuals(obj.scores(f));
  obj.value(r, f).backward();
  at::NoGradGuard ng;
  auto [r2, dr2] = obj.residuals(obj.scores(p.f0));
  EXPECT_TRUE(at::allclose(obj.half_gradient(r2, dr2, p.f0), f.grad() / 2, 1e-9, 1e-11));
}

TYPED_TEST(OptimizerSuite, LossNeverIncreasesUnderSteepestDescent) {
  auto loss = TestFixture::make_loss();
  SteepestDescentGN<TypeParam> sd(loss, {/*num_iter=*/15});
  for (uint64_t seed = 10; seed < 20; ++seed) {
    auto p = random_problem(seed);
    at::NoGradGuard ng;
    auto res = sd.run(p.f0, make_set(loss, p));
    ASSERT_EQ(res.losses.size(), 16u);
    for (size_t i = 1; i < res.losses.size(); ++i) {
      const double prev = res.losses[i - 1].item().toDouble(), cur = res.losses[i].item().toDouble();
      EXPECT_LE(cur, prev * (1 + 1e-12)) << "seed " << seed << " iteration " << i;
    }
    EXPECT_LT(res.losses.back().item().toDouble(), 0.9 * res.losses.front().item().toDouble()) << seed;
  }
}

// Features like a CNN's: channels mixed from a few smooth latent maps plus noise, at a
// scale that differs between problems (so no single fixed step suits them all).
Problem correlated_problem(uint64_t seed, int64_t N = 10, int64_t C = 32, int64_t H = 11, int64_t k = 4) {
  at::manual_seed(seed);
  const int64_t out = H + 2 * (k / 2) - k + 1, rank = 4;
  auto latent = at::randn({N, rank, H, H}, at::kDouble);
  latent = at::avg_pool2d(latent, {3, 3}, {1, 1}, {1, 1}) * 3;  // spatially smooth
  auto mixing = at::randn({C, rank}, at::kDouble);
  auto feat = at::einsum("cr,nrhw->nchw", {mixing, latent}) + 0.1 * at::randn({N, C, H, H}, at::kDouble);
  const double scale = std::pow(10.0, (at::rand({1}, at::kDouble).item().toDouble() - 0.5));  // 0.3x .. 3x
  Problem p;
  p.features = (feat * scale / std::sqrt(static_cast<double>(C * k * k))).unsqueeze(1);
  p.centers = 2 + at::rand({N, 1, 2}, at::kDouble) * (out - 5);
  p.f0 = at::zeros({1, C, k, k}, at::kDouble);
  return p;
}

TYPED_TEST(OptimizerSuite, SteepestDescentBeatsGradientDescentWithTheBestFixedStep) {
  // The paper's Table 1 claim, in kind: on the same problems and the same small number of
  // iterations, SD reaches a lower loss than GD with the best step fixed for all problems
  // (what training can learn); GD's per-problem oracle step is printed for reference.
  auto loss = TestFixture::make_loss();
  const int iters = 5, problems = 8;
  SteepestDescentGN<TypeParam> sd(loss, {iters});
  std::vector<TrainingSet> sets;
  std::vector<Problem> ps;
  for (int i = 0; i < problems; ++i) {
    ps.push_back(correlated_problem(100 + i));
    sets.push_back(make_set(loss, ps.back()));
  }
  at::NoGradGuard ng;
  std::vector<double> sd_loss, start;
  for (int i = 0; i < problems; ++i) {
    auto res = sd.run(ps[i].f0, sets[i]);
    start.push_back(res.losses.front().item().toDouble());
    sd_loss.push_back(res.losses.back().item().toDouble());
  }
  std::vector<double> steps;
  for (int e = -30; e <= 20; ++e) steps.push_back(std::pow(10.0, e / 10.0));
  std::vector<std::vector<double>> gd(steps.size(), std::vector<double>(problems));
  for (size_t j = 0; j < steps.size(); ++j) {
    GradientDescent<TypeParam> g(loss, {iters, steps[j]});
    for (int i = 0; i < problems; ++i) {
      const double l = g.run(ps[i].f0, sets[i]).losses.back().item().toDouble();
      gd[j][i] = std::isfinite(l) ? l : INFINITY;
    }
  }
  size_t best = 0;
  double best_total = INFINITY;
  for (size_t j = 0; j < steps.size(); ++j) {
    double total = 0;
    for (int i = 0; i < problems; ++i) total += gd[j][i] / start[i];
    if (total < best_total) best_total = total, best = j;
  }
  for (int i = 0; i < problems; ++i) {
    double oracle = INFINITY;
    for (size_t j = 0; j < steps.size(); ++j) oracle = std::min(oracle, gd[j][i]);
    std::printf("problem %d: L(f0) %.4f  SD %.4f  GD(best common step %.3g) %.4f  GD(per-problem oracle) %.4f\n", i,
                start[i], sd_loss[i], steps[best], gd[best][i], oracle);
    EXPECT_LT(sd_loss[i], gd[best][i]) << "problem " << i;
  }
}

TYPED_TEST(OptimizerSuite, BatchingOverSequencesEqualsRunningThemOneByOne) {
  auto loss = TestFixture::make_loss();
  SteepestDescentGN<TypeParam> sd(loss, {4});
  auto p = random_problem(5, /*N=*/6, /*S=*/3);
  at::NoGradGuard ng;
  auto all = sd.run(p.f0, make_set(loss, p));
  for (int64_t s = 0; s < 3; ++s) {
    Problem one{p.features.narrow(1, s, 1), p.centers.narrow(1, s, 1), p.f0.narrow(0, s, 1)};
    auto res = sd.run(one.f0, make_set(loss, one));
    EXPECT_TRUE(at::allclose(all.filter.narrow(0, s, 1), res.filter, 1e-10, 1e-12)) << s;
  }
}

// As the MultiTracker fits several targets' memories: each sequence with its own sample
// weights (images, sequences), the features in the filter ops' layout.
TYPED_TEST(OptimizerSuite, BatchingOverSequencesWithTheirOwnSampleWeights) {
  auto loss = TestFixture::make_loss();
  SteepestDescentGN<TypeParam> sd(loss, {3});
  auto p = random_problem(6, /*N=*/5, /*S=*/3);
  auto set = make_set(loss, p);
  set.features = to_filter_layout(p.features);
  set.sample_weights = at::rand({5, 3}, at::kDouble);
  at::NoGradGuard ng;
  auto all = sd.run(p.f0, set);
  for (int64_t s = 0; s < 3; ++s) {
    Problem one{p.features.narrow(1, s, 1), p.centers.narrow(1, s, 1), p.f0.narrow(0, s, 1)};
    auto one_set = make_set(loss, one);
    one_set.sample_weights = set.sample_weights.select(1, s).contiguous();
    auto res = sd.run(one.f0, one_set);
    EXPECT_TRUE(at::allclose(all.filter.narrow(0, s, 1), res.filter, 1e-10, 1e-12)) << s;
  }
}

TYPED_TEST(OptimizerSuite, ZeroSampleWeightEqualsRemovingTheSample) {
  auto loss = TestFixture::make_loss();
  SteepestDescentGN<TypeParam> sd(loss, {3});
  auto p = random_problem(8, /*N=*/5);
  auto set = make_set(loss, p);
  set.sample_weights = at::tensor({0.25, 0.25, 0.0, 0.25, 0.25}, at::kDouble);
  auto keep = at::tensor({0, 1, 3, 4}, at::kLong);
  TrainingSet fewer{p.features.index_select(0, keep), set.maps.index_images(keep), at::Tensor()};
  at::NoGradGuard ng;
  EXPECT_TRUE(at::allclose(sd.run(p.f0, set).filter, sd.run(p.f0, fewer).filter, 1e-10, 1e-12));
}

TEST(SteepestDescent, LeastSquaresStepIsTheExactLineMinimiser) {
  LeastSquaresLoss loss({1.0, 0.05});
  SteepestDescentGN<LeastSquaresLoss> sd(loss, {1});
  for (uint64_t seed = 40; seed < 45; ++seed) {
    auto p = random_problem(seed);
    auto set = make_set(loss, p);
    Objective<LeastSquaresLoss> obj(loss, set, {4, 4}, FilterBackend::kBlas);
    at::NoGradGuard ng;
    auto [r, dr] = obj.residuals(obj.scores(p.f0));
    auto g = obj.half_gradient(r, dr, p.f0);
    auto q = [&](double t) {
      auto f = p.f0 - t * g;
      return obj.value(obj.residuals(obj.scores(f)).first, f).item().toDouble();
    };
    // q is quadratic in t: its minimiser from three samples.
    const double q0 = q(0), q1 = q(1e-3), q2 = q(2e-3);
    const double a = (q2 - 2 * q1 + q0) / (2 * 1e-6), b = (q1 - q0) / 1e-3 - a * 1e-3;
    const double t_star = -b / (2 * a);
    const auto f1 = sd.run(p.f0, set).filter;
    const double alpha = ((p.f0 - f1) * g).sum().item().toDouble() / (g * g).sum().item().toDouble();
    EXPECT_NEAR(alpha, t_star, 1e-6 * std::abs(t_star)) << seed;
  }
}

TEST(SteepestDescent, NoGradFastPathEqualsTheDifferentiablePath) {
  auto loss = double_learned_loss();
  SteepestDescentGN<LearnedLoss> sd(loss, {5});
  auto p = random_problem(50);
  auto f0 = p.f0.clone().requires_grad_();
  auto with_grad = sd.run(f0, make_set(loss, p));
  EXPECT_TRUE(with_grad.filter.requires_grad());
  at::NoGradGuard ng;
  auto fast = sd.run(p.f0, make_set(loss, p));
  EXPECT_FALSE(fast.filter.requires_grad());
  EXPECT_TRUE(at::allclose(with_grad.filter.detach(), fast.filter, 1e-12, 1e-12));
  EXPECT_EQ(fast.iterates.size(), 6u);
}

// Eq. 9: a test-frame loss over every iterate, back-propagated through the unrolled
// optimizer into the learned loss and the features, against finite differences.
class UnrolledGradient : public ::testing::TestWithParam<FilterBackend> {};

TEST_P(UnrolledGradient, MatchesFiniteDifferences) {
  auto loss = double_learned_loss();
  SteepestDescentOptions opt;
  opt.num_iter = 3;
  opt.backend = GetParam();
  loss.set_requires_grad(true);
  SteepestDescentGN<LearnedLoss> sd(loss, opt);
  sd.log_step_length = sd.log_step_length.to(at::kDouble).requires_grad_();
  auto p = random_problem(60, /*N=*/4, /*S=*/2, /*C=*/6, /*H=*/7);
  auto test_feat = at::randn({2, 2, 6, 7, 7}, at::kDouble);
  auto test_centers = 2 + at::rand({2, 2, 2}, at::kDouble) * 3;
  HingeLoss test_loss({1.0, 0.05, 0.0});
  auto test_maps = test_loss.maps(test_centers, 8, 8);
  auto features = p.features.clone().requires_grad_();
  auto objective = [&]() {
    TrainingSet set{features, loss.maps(p.centers, 8, 8), at::Tensor()};
    auto res = sd.run(p.f0, set);
    at::Tensor total = at::zeros({}, at::kDouble);
    for (const auto& f : res.iterates) {
      total = total + test_loss.residual(apply_filter(test_feat, f, GetParam()), test_maps).pow(2).mean();
    }
    return total / static_cast<double>(res.iterates.size());
  };
  objective().backward();
  struct Probe {
    at::Tensor param;
    int64_t index;
  };
  const std::vector<Probe> probes{{loss.label_coeffs, 0},  {loss.label_coeffs, 3}, {loss.mask_coeffs, 1},
                                  {loss.weight_coeffs, 2}, {loss.filter_reg, 0},   {sd.log_step_length, 0},
                                  {features, 17},          {features, 400}};
  const double eps = 1e-6;
  for (const auto& pr : probes) {
    const double analytic = pr.param.grad().view(-1)[pr.index].item().toDouble();
    double fd;
    {
      at::NoGradGuard ng;
      auto flat = pr.param.view(-1);
      const double orig = flat[pr.index].item().toDouble();
      flat[pr.index] = orig + eps;
      const double up = objective().item().toDouble();
      flat[pr.index] = orig - eps;
      const double down = objective().item().toDouble();
      flat[pr.index] = orig;
      fd = (up - down) / (2 * eps);
    }
    EXPECT_NEAR(analytic, fd, 1e-5 * std::max(1e-3, std::abs(fd))) << "probe index " << pr.index;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, UnrolledGradient, ::testing::Values(FilterBackend::kConv, FilterBackend::kBlas));

// The training step (5 unrolled iterations, every iterate's loss) differentiated through the
// GEMM path — its features' gradient fused over all ops (optim/filter_ops.h) — equals
// autograd through grouped convolutions in every input: features, f(0), loss parameters, γ.
TEST(UnrolledGradientFused, GemmPathEqualsConvAutogradInEveryInput) {
  auto p = random_problem(61, /*N=*/3, /*S=*/4, /*C=*/12, /*H=*/9);
  std::vector<at::Tensor> grads[2];
  for (int k = 0; k < 2; ++k) {
    auto loss = double_learned_loss();
    loss.set_requires_grad(true);
    SteepestDescentOptions opt;
    opt.num_iter = 5;
    opt.backend = k == 0 ? FilterBackend::kConv : FilterBackend::kBlas;
    SteepestDescentGN<LearnedLoss> sd(loss, opt);
    sd.log_step_length = sd.log_step_length.to(at::kDouble).requires_grad_();
    auto features = p.features.clone().requires_grad_(), f0 = p.f0.clone().requires_grad_();
    auto res = sd.run(f0, {features, loss.maps(p.centers, 10, 10), at::Tensor()});
    at::Tensor total = res.losses[0];
    for (size_t i = 1; i < res.losses.size(); ++i) total = total + res.losses[i];
    total.backward();
    grads[k] = {features.grad(), f0.grad(), loss.label_coeffs.grad(), loss.mask_coeffs.grad(),
                loss.weight_coeffs.grad(), loss.filter_reg.grad(), sd.log_step_length.grad()};
  }
  for (size_t i = 0; i < grads[0].size(); ++i) {
    ASSERT_TRUE(grads[0][i].defined() && grads[1][i].defined()) << "input " << i;
    EXPECT_TRUE(at::allclose(grads[0][i], grads[1][i], 1e-9, 1e-9))
        << "input " << i << ": " << (grads[0][i] - grads[1][i]).abs().max().item<double>();
  }
}

TEST(GradientDescent, CoefficientWiseStepsMustFitTheFilter) {
  HingeLoss loss;
  GradientDescentOptions o;
  o.coefficient_shape = {16, 4, 4};
  GradientDescent<HingeLoss> gd(loss, o);
  EXPECT_EQ(gd.log_step_length.sizes(), (at::IntArrayRef{16, 4, 4}));
  auto p = random_problem(70);
  auto set = make_set(loss, p);
  at::NoGradGuard ng;
  EXPECT_NO_THROW(gd.run(p.f0, set));
  EXPECT_THROW(gd.run(at::zeros({1, 8, 4, 4}, at::kDouble), set), c10::Error);
}

}  // namespace
}  // namespace dimp::optim
