#include "benchmarks/roofline.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <utility>

namespace dimp::bench {
namespace {

// best_seconds: the fastest of at least `reps` runs, running for at least 0.2 s in all, so
// small problems are timed over many repetitions on a noisy machine.
template <class F>
double best_seconds(F&& f, int reps) {
  f();
  double best = 1e30, total = 0;
  for (int i = 0; i < reps || total < 0.2; ++i) {
    Timer t;
    f();
    const double s = t.seconds();
    best = std::min(best, s);
    total += s;
  }
  return best;
}

}  // namespace

Ceilings ceilings(double flops, double bytes) {
  static std::mutex mu;
  static std::map<std::pair<double, double>, Ceilings> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find({flops, bytes});
  if (it != cache.end()) return it->second;
  Ceilings c;
  const int64_t n = std::max<int64_t>(32, std::llround(std::cbrt(flops / 2)));
  auto a = at::randn({n, n}), b = at::randn({n, n}), out = at::empty({n, n});
  const double gemm_s = best_seconds([&] { at::mm_out(out, a, b); }, 7);
  c.gemm_gflops = 2.0 * n * n * n / gemm_s / 1e9;
  const int64_t elems = std::max<int64_t>(1024, static_cast<int64_t>(bytes / 4));
  auto buf = at::rand({elems});
  auto sum = at::empty({});
  const double stream_s = best_seconds([&] { at::sum_out(sum, buf, {0}); }, 7);
  c.stream_gbytes = static_cast<double>(elems) * 4 / stream_s / 1e9;
  cache[{flops, bytes}] = c;
  return c;
}

void report(benchmark::State& state, double flops, double bytes, double seconds) {
  const Ceilings c = ceilings(flops, bytes);
  const double gflops = flops / seconds / 1e9, gbytes = bytes / seconds / 1e9;
  const double intensity = flops / std::max(bytes, 1.0);
  const double roof = std::min(c.gemm_gflops, c.stream_gbytes * intensity);
  state.counters["GFLOP/s"] = gflops;
  state.counters["GB/s"] = gbytes;
  state.counters["gemm_ceil"] = c.gemm_gflops;
  state.counters["bw_ceil"] = c.stream_gbytes;
  state.counters["roofline"] = roof > 0 ? gflops / roof : 0;
}

}  // namespace dimp::bench
