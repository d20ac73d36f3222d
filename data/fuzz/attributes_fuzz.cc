// Fuzz target: attribute files (a VOT .tag file, an OTB and a UAV123 attribute file) for a
// sequence of 8 frames. Every input must be read or refused with a DataError.
#include <filesystem>

#include "data/attributes.h"
#include "data/ground_truth.h"
#include "tests/fuzz/temp_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using dimp::data::DataError;
  const std::string tag = dimp::fuzz::input_file(data, size, "occlusion.tag");
  try {
    dimp::data::read_vot_tags(std::filesystem::path(tag).parent_path().string(), 8);
  } catch (const DataError&) {
  }
  for (const auto* names : {&dimp::data::otb_attribute_names(), &dimp::data::uav_attribute_names()}) {
    try {
      dimp::data::read_sequence_attribute_file(tag, *names, 8);
    } catch (const DataError&) {
    }
  }
  return 0;
}
