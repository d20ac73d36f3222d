// dimp/runtime.h — process-wide runtime settings (LibTorch threads).
//
// LibTorch's CPU ops default to one intra-op thread on some builds; tools and benchmarks set
// the count explicitly:
//   dimp::set_num_threads(0);   // 0: all hardware threads
#pragma once

#include <c10/core/Device.h>

#include <string>

namespace dimp {

// kMaxThreads: the most threads a setting may ask for.
constexpr int kMaxThreads = 256;

// check_thread_count: throws std::invalid_argument naming `what` unless 0 <= n <= kMaxThreads.
void check_thread_count(int n, const std::string& what);

// set_num_threads: LibTorch intra-op threads, 0 to kMaxThreads (std::invalid_argument
// otherwise); 0 picks the machine's hardware concurrency.
// BLAS (OpenBLAS, when it is the BLAS in use) gets `blas_threads`: its own thread pool spins
// against LibTorch's OpenMP pool on a small machine, making timings erratic, so by default
// BLAS calls run single-threaded in the calling thread. Returns the LibTorch count.
int set_num_threads(int n, int blas_threads = 1);

// compute_device: the device TrackerParams::device names ("cpu", "cuda", "cuda:N"), checked
// against this process: std::invalid_argument when LibTorch has no CUDA or the index is past
// the devices present.
c10::Device compute_device(const std::string& name);

// hardware_threads: std::thread::hardware_concurrency(), at least 1.
int hardware_threads();

}  // namespace dimp
