// benchmarks/roofline.h — the machine's two ceilings, measured in the same run as the
// kernels, so each benchmark reports the fraction of its binding ceiling it reaches.
//
//   auto c = dimp::bench::ceilings(flops, bytes);     // cached per (flops, bytes)
//   dimp::bench::report(state, flops, bytes, seconds_per_iteration);
//
// GEMM ceiling: a square GEMM of the same FLOP count through the BLAS LibTorch uses.
// Bandwidth ceiling: a streaming read (sum) of the same number of bytes. A kernel's binding
// ceiling is min(GEMM GFLOP/s, bandwidth GB/s x its FLOP/byte).
#pragma once

#include <benchmark/benchmark.h>

#include <chrono>

namespace dimp::bench {

struct Ceilings {
  double gemm_gflops = 0;    // GFLOP/s of a GEMM with the same FLOPs
  double stream_gbytes = 0;  // GB/s reading the same bytes
};

// ceilings: measured once per (flops, bytes) and cached.
Ceilings ceilings(double flops, double bytes);

// report: GFLOP/s, GB/s, the ceilings and the roofline fraction as counters.
void report(benchmark::State& state, double flops, double bytes, double seconds_per_iteration);

// Timer: wall time of the timed loop (Google Benchmark does not expose its own measure).
class Timer {
 public:
  Timer() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

 private:
  std::chrono::steady_clock::time_point start_;
};

// run_timed: run `body` in the benchmark loop and report the counters for flops/bytes.
template <class Body>
void run_timed(benchmark::State& state, double flops, double bytes, Body&& body) {
  body();  // warm-up (allocations, lazy init)
  Timer t;
  for (auto _ : state) body();
  report(state, flops, bytes, t.seconds() / static_cast<double>(state.iterations()));
}

}  // namespace dimp::bench
