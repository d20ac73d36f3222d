#include "dimp/runtime.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>

#include <stdexcept>
#include <string>
#include <thread>

namespace dimp {

int hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

int set_num_threads(int n, int blas_threads) {
  if (n < 0) throw std::invalid_argument("set_num_threads: thread count must be >= 0, got " + std::to_string(n));
  at::set_num_threads(n == 0 ? hardware_threads() : n);
  // OpenBLAS exports openblas_set_num_threads; other BLAS libraries are left alone.
  using SetThreads = void (*)(int);
  if (auto fn = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
    fn(blas_threads <= 0 ? hardware_threads() : blas_threads);
  }
  return at::get_num_threads();
}

}  // namespace dimp
