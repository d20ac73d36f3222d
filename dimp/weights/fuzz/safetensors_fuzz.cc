// Fuzz target: safetensors files. Read or refused with a WeightsError; nothing else escapes.
#include "dimp/weights/safetensors.h"
#include "tests/fuzz/temp_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = dimp::fuzz::input_file(data, size, "input.safetensors");
  try {
    dimp::weights::read_safetensors(path);
  } catch (const dimp::weights::WeightsError&) {
  }
  return 0;
}
