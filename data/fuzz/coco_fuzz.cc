// Fuzz target: COCO instance annotations. Read or refused with a DataError, nothing else.
#include <string>

#include "data/ground_truth.h"
#include "data/training_datasets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    dimp::data::parse_coco_instances(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
  } catch (const dimp::data::DataError&) {
  }
  return 0;
}
