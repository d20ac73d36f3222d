#include "dimp/runtime.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <dlfcn.h>

#include <stdexcept>
#include <string>
#include <thread>

namespace dimp {

int hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

void check_thread_count(int n, const std::string& what) {
  // Each thread holds a stack and per-thread buffers: 100,000 of them exhausted the memory.
  if (n < 0 || n > kMaxThreads) {
    throw std::invalid_argument(what + " " + std::to_string(n) + " is outside [0, " + std::to_string(kMaxThreads) +
                                "] (0: one per core)");
  }
}

c10::Device compute_device(const std::string& name) {
  if (name == "cpu") return c10::Device(c10::kCPU);
  c10::Device device(c10::kCPU);
  try {
    device = c10::Device(name);
  } catch (const std::exception&) {
    throw std::invalid_argument("device '" + name + "' is none of cpu, cuda, cuda:N");
  }
  if (!device.is_cuda()) throw std::invalid_argument("device '" + name + "' is none of cpu, cuda, cuda:N");
  if (!at::hasCUDA()) {
    throw std::invalid_argument("device '" + name + "': no CUDA device here (LibTorch built without CUDA, or none visible)");
  }
  const int count = at::detail::getCUDAHooks().getNumGPUs();
  if (device.has_index() && device.index() >= count) {
    throw std::invalid_argument("device '" + name + "': this machine has " + std::to_string(count) + " CUDA device(s)");
  }
  return device;
}

int set_num_threads(int n, int blas_threads) {
  check_thread_count(n, "thread count");
  check_thread_count(blas_threads, "BLAS thread count");
  at::set_num_threads(n == 0 ? hardware_threads() : n);
  // OpenBLAS exports openblas_set_num_threads; other BLAS libraries are left alone.
  using SetThreads = void (*)(int);
  if (auto fn = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
    fn(blas_threads <= 0 ? hardware_threads() : blas_threads);
  }
  return at::get_num_threads();
}

}  // namespace dimp
