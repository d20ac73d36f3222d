// The model predictor's optimizers (optim/) at tracking and training sizes: one steepest-
// descent iteration, full runs, SD vs GD at equal iteration counts, and the differentiable
// (training) run with its backward pass. FLOPs count the filter ops: a run of n iterations
// applies the filter once for the initial scores and then twice per iteration (x*g and the
// transpose), 2n + 1 in all.
#include <ATen/ATen.h>
#include <benchmark/benchmark.h>

#include "benchmarks/roofline.h"
#include "losses/distance_map.h"
#include "losses/learned_loss.h"
#include "optim/gradient_descent.h"
#include "optim/steepest_descent.h"

namespace {

using dimp::losses::LearnedLoss;
using dimp::optim::TrainingSet;
constexpr int64_t kH = 18, kK = 4, kOut = kH + 1;

struct Setup {
  TrainingSet set;
  at::Tensor filter;
  double flops_per_op, bytes_per_op;  // one filter apply or transpose
};

Setup make(int64_t N, int64_t S, int64_t C, const LearnedLoss& loss) {
  at::manual_seed(0);
  Setup s;
  s.set.features = dimp::optim::to_filter_layout(at::randn({N, S, C, kH, kH}) / std::sqrt(C * 16.0));
  s.set.maps = loss.maps(4 + at::rand({N, S, 2}) * 10, kOut, kOut);
  s.filter = at::randn({S, C, kK, kK}) * 0.01;
  s.flops_per_op = dimp::optim::filter_flops(s.set.features, {kK, kK});
  s.bytes_per_op = 4.0 * s.set.features.numel();
  return s;
}

double ops(int iters) { return 2.0 * iters + 1; }

void BM_SteepestDescentIteration(benchmark::State& state) {
  LearnedLoss loss;
  auto s = make(state.range(0), 1, state.range(1), loss);
  dimp::optim::SteepestDescentGN<LearnedLoss> sd(loss, {1, 1.0, 0.0, /*compute_losses=*/false});
  at::NoGradGuard ng;
  dimp::bench::run_timed(state, ops(1) * s.flops_per_op, ops(1) * s.bytes_per_op,
                         [&] { benchmark::DoNotOptimize(sd.run(s.filter, s.set).filter); });
}

void BM_SteepestDescentRun(benchmark::State& state) {
  const int iters = static_cast<int>(state.range(2));
  LearnedLoss loss;
  auto s = make(state.range(0), 1, state.range(1), loss);
  dimp::optim::SteepestDescentGN<LearnedLoss> sd(loss, {iters, 1.0, 0.0, false});
  at::NoGradGuard ng;
  dimp::bench::run_timed(state, ops(iters) * s.flops_per_op, ops(iters) * s.bytes_per_op,
                         [&] { benchmark::DoNotOptimize(sd.run(s.filter, s.set).filter); });
}

void BM_GradientDescentRun(benchmark::State& state) {
  const int iters = static_cast<int>(state.range(2));
  LearnedLoss loss;
  auto s = make(state.range(0), 1, state.range(1), loss);
  dimp::optim::GradientDescentOptions o;
  o.num_iter = iters;
  o.compute_losses = false;
  dimp::optim::GradientDescent<LearnedLoss> gd(loss, o);
  at::NoGradGuard ng;
  dimp::bench::run_timed(state, ops(iters) * s.flops_per_op, ops(iters) * s.bytes_per_op,
                         [&] { benchmark::DoNotOptimize(gd.run(s.filter, s.set).filter); });
}

// Training: 3 images x 26 sequences, 5 unrolled iterations, learned loss, forward + backward
// into the features and the loss parameters (the backward costs about twice the forward).
void BM_SteepestDescentTrainingStep(benchmark::State& state) {
  const int iters = 5;
  LearnedLoss loss;
  loss.set_requires_grad(true);
  auto s = make(3, 26, state.range(0), loss);
  auto feat = s.set.features.detach().requires_grad_();
  dimp::optim::SteepestDescentGN<LearnedLoss> sd(loss, {iters, 1.0, 0.0, true});
  const auto centers = 4 + at::rand({3, 26, 2}) * 10;
  dimp::bench::run_timed(state, 3 * ops(iters) * s.flops_per_op, 3 * ops(iters) * s.bytes_per_op, [&] {
    TrainingSet set{feat, loss.maps(centers, kOut, kOut), at::Tensor()};
    auto res = sd.run(s.filter, set);
    at::Tensor total = at::zeros({});
    for (const auto& l : res.losses) total = total + l;
    total.backward();
  });
}

BENCHMARK(BM_SteepestDescentIteration)->ArgNames({"images", "C"})->Args({15, 512})->Args({50, 512})->Args({50, 256})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SteepestDescentRun)->ArgNames({"images", "C", "iters"})->Args({15, 512, 10})->Args({50, 512, 2})->Args({50, 512, 5})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GradientDescentRun)->ArgNames({"images", "C", "iters"})->Args({15, 512, 10})->Args({50, 512, 2})->Args({50, 512, 5})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SteepestDescentTrainingStep)->ArgNames({"C"})->Arg(512)->Unit(benchmark::kMillisecond);

}  // namespace
