// SteepestDescentNewton (PrDiMP's optimizer) against autograd: each step is the Newton step
// along the objective's gradient, the objective falls, sequences and sample weights behave,
// and the unrolled iterations differentiate correctly (finite differences).
#include "optim/newton_descent.h"

#include <gtest/gtest.h>
#include <torch/csrc/autograd/autograd.h>

#include <cmath>

namespace dimp::optim {
namespace {

using losses::KLDivergenceLoss;

struct Problem {
  at::Tensor features, centers, f0;
};

Problem random_problem(uint64_t seed, int64_t N = 6, int64_t S = 2, int64_t C = 8, int64_t H = 9) {
  at::manual_seed(seed);
  Problem p;
  p.features = at::randn({N, S, C, H, H}, at::kDouble) / std::sqrt(static_cast<double>(C * 16)) * 4;
  p.centers = 2 + at::rand({N, S, 2}, at::kDouble) * (H - 4);
  p.f0 = at::randn({S, C, 4, 4}, at::kDouble) * 0.1;
  return p;
}

KLDivergenceLoss double_loss(double reg = 0.1) {
  losses::KLDivergenceLossOptions o;
  o.init_filter_reg = reg;
  KLDivergenceLoss loss(o);
  loss.filter_reg = loss.filter_reg.to(at::kDouble);
  return loss;
}

// The objective of one sequence pair, written out with autograd-friendly ops (conv backend).
at::Tensor objective(const KLDivergenceLoss& loss, const Problem& p, const at::Tensor& f) {
  auto maps = loss.maps(p.centers, 10, 10);
  auto s = apply_filter(p.features, f, FilterBackend::kConv);
  const double n = static_cast<double>(p.features.size(0));
  return (loss.sample_losses(s, maps).sum() / n + 0.5 * loss.regularization() * (f * f).sum());
}

TEST(SteepestDescentNewton, EachStepIsTheNewtonStepAlongTheGradient) {
  const Problem p = random_problem(1);
  auto loss = double_loss();
  auto f = p.f0.clone().requires_grad_();
  auto g = torch::autograd::grad({objective(loss, p, f)}, {f}, {}, true, true)[0];
  auto hg = torch::autograd::grad({(g * g.detach()).sum()}, {f})[0];  // H g
  auto gd = g.detach();
  auto alpha = (gd * gd).sum({1, 2, 3}) / (gd * hg).sum({1, 2, 3});  // per sequence
  auto expected = p.f0 - alpha.view({-1, 1, 1, 1}) * gd;
  SteepestDescentNewton<KLDivergenceLoss> sd(loss, {1});
  auto got = sd.run(p.f0, {p.features, loss.maps(p.centers, 10, 10), at::Tensor()}).filter;
  EXPECT_TRUE(at::allclose(got, expected, 1e-10, 1e-12)) << (got - expected).abs().max().item<double>();
}

TEST(SteepestDescentNewton, TheObjectiveFallsEveryIteration) {
  for (uint64_t seed : {2, 3, 4}) {
    const Problem p = random_problem(seed);
    auto loss = double_loss(0.05);
    SteepestDescentNewton<KLDivergenceLoss> sd(loss, {10});
    auto res = sd.run(p.f0, {p.features, loss.maps(p.centers, 10, 10), at::Tensor()});
    ASSERT_EQ(res.losses.size(), 11u);
    for (size_t i = 1; i < res.losses.size(); ++i) {
      EXPECT_LT(res.losses[i].item<double>(), res.losses[i - 1].item<double>()) << "seed " << seed << " iter " << i;
    }
    // The reported loss is the objective the gradient belongs to (averaged over sequences).
    EXPECT_NEAR(res.losses.back().item<double>(), objective(loss, p, res.filter).item<double>() / 2, 1e-10);
  }
}

TEST(SteepestDescentNewton, BatchingOverSequencesEqualsRunningThemOneByOne) {
  const Problem p = random_problem(5, 6, 3);
  auto loss = double_loss();
  SteepestDescentNewton<KLDivergenceLoss> sd(loss, {4, 1.0, 0.0, false});
  auto maps = loss.maps(p.centers, 10, 10);
  auto all = sd.run(p.f0, {p.features, maps, at::Tensor()}).filter;
  for (int64_t s = 0; s < 3; ++s) {
    losses::ResidualMaps one{maps.label.narrow(1, s, 1), {}, {}};
    auto f = sd.run(p.f0.narrow(0, s, 1), {p.features.narrow(1, s, 1), one, at::Tensor()}).filter;
    EXPECT_TRUE(at::allclose(all.narrow(0, s, 1), f, 1e-12, 1e-12)) << s;
  }
}

TEST(SteepestDescentNewton, ZeroSampleWeightEqualsRemovingTheSample) {
  const Problem p = random_problem(6, 5, 1);
  auto loss = double_loss();
  SteepestDescentNewton<KLDivergenceLoss> sd(loss, {3, 1.0, 0.0, false});
  auto maps = loss.maps(p.centers, 10, 10);
  auto w = at::tensor({0.3, 0.0, 0.2, 0.4, 0.1}, at::kDouble);
  auto with_zero = sd.run(p.f0, {p.features, maps, w}).filter;
  auto keep = at::tensor({0, 2, 3, 4}, at::kLong);
  auto without = sd.run(p.f0, {p.features.index_select(0, keep), maps.index_images(keep), w.index_select(0, keep)}).filter;
  EXPECT_TRUE(at::allclose(with_zero, without, 1e-12, 1e-12));
}

// Training back-propagates a test-frame loss through the unrolled iterations into the
// features, λ and γ.
TEST(SteepestDescentNewton, UnrolledGradientMatchesFiniteDifferences) {
  for (FilterBackend backend : {FilterBackend::kConv, FilterBackend::kBlas}) {
    const Problem p = random_problem(7, 4, 2, 6, 7);
    auto loss = double_loss();
    loss.set_requires_grad(true);
    NewtonDescentOptions o;
    o.num_iter = 3;
    o.backend = backend;
    SteepestDescentNewton<KLDivergenceLoss> sd(loss, o);
    sd.log_step_length = sd.log_step_length.to(at::kDouble).requires_grad_();
    auto test_feat = at::randn({2, 2, 6, 7, 7}, at::kDouble);
    auto test_maps = loss.maps(2 + at::rand({2, 2, 2}, at::kDouble) * 3, 8, 8);
    auto features = p.features.clone().requires_grad_();
    auto value = [&] {
      auto res = sd.run(p.f0, {features, loss.maps(p.centers, 8, 8), at::Tensor()});
      at::Tensor total = at::zeros({}, at::kDouble);
      for (const auto& f : res.iterates) total = total + loss.sample_losses(apply_filter(test_feat, f), test_maps).mean();
      return total;
    };
    value().backward();
    struct Probe {
      at::Tensor param;
      int64_t index;
    };
    for (const Probe& pr : {Probe{loss.filter_reg, 0}, Probe{sd.log_step_length, 0}, Probe{features, 11},
                            Probe{features, 300}}) {
      const double analytic = pr.param.grad().view(-1)[pr.index].item<double>();
      at::NoGradGuard ng;
      auto flat = pr.param.view(-1);
      const double orig = flat[pr.index].item<double>(), eps = 1e-6;
      flat[pr.index] = orig + eps;
      const double up = value().item<double>();
      flat[pr.index] = orig - eps;
      const double down = value().item<double>();
      flat[pr.index] = orig;
      const double fd = (up - down) / (2 * eps);
      EXPECT_NEAR(analytic, fd, 1e-5 * std::max(1e-3, std::abs(fd))) << "backend " << static_cast<int>(backend)
                                                                       << " probe " << pr.index;
    }
  }
}

}  // namespace
}  // namespace dimp::optim
