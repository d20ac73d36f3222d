// Filter apply and transpose (optim/filter_ops.h) at tracking and training sizes, per backend.
// Args: images, sequences, channels, backend (0 conv, 1 blas, 2 simd, 3 eigen). Features
// 18x18, filter 4x4.
#include <ATen/ATen.h>
#include <benchmark/benchmark.h>

#include "benchmarks/roofline.h"
#include "optim/filter_ops.h"

namespace {

using dimp::optim::FilterBackend;
constexpr int64_t kH = 18, kK = 4;

FilterBackend backend_of(int64_t b) {
  static const FilterBackend backends[] = {FilterBackend::kConv, FilterBackend::kBlas, FilterBackend::kSimd,
                                           FilterBackend::kEigen};
  return backends[b];
}

void set_label(benchmark::State& state) {
  static const char* names[] = {"conv", "blas", "simd", "eigen"};
  state.SetLabel(names[state.range(3)]);
}

void BM_FilterApply(benchmark::State& state) {
  const int64_t N = state.range(0), S = state.range(1), C = state.range(2);
  const auto backend = backend_of(state.range(3));
  auto feat = dimp::optim::to_filter_layout(at::randn({N, S, C, kH, kH}));
  auto filter = at::randn({S, C, kK, kK});
  const double flops = dimp::optim::filter_flops(feat, {kK, kK});
  const double bytes = 4.0 * (feat.numel() + filter.numel() + N * S * (kH + 1) * (kH + 1));
  set_label(state);
  dimp::bench::run_timed(state, flops, bytes, [&] {
    benchmark::DoNotOptimize(dimp::optim::apply_filter(feat, filter, backend));
  });
}

void BM_FilterTranspose(benchmark::State& state) {
  const int64_t N = state.range(0), S = state.range(1), C = state.range(2);
  const auto backend = backend_of(state.range(3));
  auto feat = dimp::optim::to_filter_layout(at::randn({N, S, C, kH, kH}));
  auto residual = at::randn({N, S, kH + 1, kH + 1});
  const double flops = dimp::optim::filter_flops(feat, {kK, kK});
  const double bytes = 4.0 * (feat.numel() + residual.numel() + S * C * kK * kK);
  set_label(state);
  dimp::bench::run_timed(state, flops, bytes, [&] {
    benchmark::DoNotOptimize(dimp::optim::apply_filter_transpose(feat, residual, {kK, kK}, backend));
  });
}

void sizes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"images", "seqs", "C", "backend"});
  for (int64_t backend : {0, 1, 2, 3}) {
    if (backend == 2 && !dimp::optim::simd_backend_available()) continue;
    for (int64_t n : {1, 15, 50}) b->Args({n, 1, 512, backend});  // tracking (DiMP-50 features)
    b->Args({3, 26, 512, backend});                                  // training batch
  }
  b->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_FilterApply)->Apply(sizes);
BENCHMARK(BM_FilterTranspose)->Apply(sizes);

}  // namespace
