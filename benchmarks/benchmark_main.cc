// Shared main of the benchmark suites: sets LibTorch's threads explicitly (DIMP_THREADS, all
// cores by default) and prints them, then runs Google Benchmark.
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>

#include "dimp/runtime.h"

int main(int argc, char** argv) {
  const char* env = std::getenv("DIMP_THREADS");
  // BLAS gets all cores too: the BLAS filter-op backend is measured at its best.
  const int threads = dimp::set_num_threads(env ? std::atoi(env) : 0, /*blas_threads=*/0);
  std::printf("dimp-cpp benchmarks: %d LibTorch thread(s) (set DIMP_THREADS to change)\n", threads);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
