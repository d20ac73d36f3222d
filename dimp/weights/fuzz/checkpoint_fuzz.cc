// dimp/weights/fuzz/checkpoint_fuzz.cc — libFuzzer target of the PyTorch checkpoint reader
// (ZIP archive, pickle machine, tensor rebuilding): any input is refused with a WeightsError
// or read, never another exception, a crash, a leak, an out-of-bounds access or an allocation
// beyond the input's bounds.
// Seeds: corpus/checkpoint/ (dimp/weights/fuzz/make_corpus.py).
//
//   clang++ -fsanitize=fuzzer,address ... && ./checkpoint_fuzz corpus/checkpoint
#include <cstddef>
#include <cstdint>
#include <string>

#include "dimp/weights/torch_checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto ckpt = dimp::weights::read_torch_checkpoint_bytes(std::string(reinterpret_cast<const char*>(data), size), "fuzz-input");
    for (const auto& [name, t] : ckpt.tensors) {
      if (!t.is_contiguous()) __builtin_trap();  // the reader promises contiguous tensors
    }
  } catch (const dimp::weights::WeightsError&) {
  }
  return 0;
}
