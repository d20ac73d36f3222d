// Fuzz target: dimp_train's settings files. Read or refused with std::invalid_argument.
#include <stdexcept>
#include <string>

#include "training/settings.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    dimp::training::parse_training_settings(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
