// Fuzz target: annotation and result files (OTB rectangles, VOT polygons, VOT result files,
// GOT-10k time files).
// Every input must be read or refused with a DataError; nothing else may escape.
#include <filesystem>

#include "data/ground_truth.h"
#include "data/results.h"
#include "tests/fuzz/temp_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using dimp::data::DataError;
  const std::string path = dimp::fuzz::input_file(data, size, "groundtruth.txt");
  try {
    dimp::data::read_rect_file(path, 1.0);
  } catch (const DataError&) {
  }
  try {
    dimp::data::read_polygon_file(path, dimp::data::PolygonToBox::kAreaPreserving);
  } catch (const DataError&) {
  }
  try {
    dimp::data::read_seconds_file(path);
  } catch (const DataError&) {
  }
  // The same bytes as a stored VOT result, read back on resume.
  const auto dir = std::filesystem::path(path).parent_path() / "results";
  const auto result = dimp::data::result_path("vot", dir.string(), "t", "s");
  std::filesystem::create_directories(std::filesystem::path(result).parent_path());
  std::filesystem::copy_file(path, result, std::filesystem::copy_options::overwrite_existing);
  dimp::data::read_results("vot", dir.string(), "t", "s", 3);
  return 0;
}
