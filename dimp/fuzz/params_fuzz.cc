// Fuzz target: tracker parameter files (JSON) and command-line overrides (name=value lines).
// Read and validated, or refused with std::invalid_argument; nothing else may escape.
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "dimp/tracker_params.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    dimp::TrackerParams::from_json_string(text, dimp::TrackerParams{}, "fuzz.json");
  } catch (const std::invalid_argument&) {
  }
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  try {
    dimp::TrackerParams p;
    p.apply_overrides(lines);
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
