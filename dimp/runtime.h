// dimp/runtime.h — process-wide runtime settings (LibTorch threads).
//
// LibTorch's CPU ops default to one intra-op thread on some builds; tools and benchmarks set
// the count explicitly:
//   dimp::set_num_threads(0);   // 0: all hardware threads
#pragma once

namespace dimp {

// set_num_threads: LibTorch intra-op threads; 0 picks the machine's hardware concurrency.
// Returns the count now in effect.
int set_num_threads(int n);

// hardware_threads: std::thread::hardware_concurrency(), at least 1.
int hardware_threads();

}  // namespace dimp
