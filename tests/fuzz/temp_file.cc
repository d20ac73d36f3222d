#include "tests/fuzz/temp_file.h"

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace dimp::fuzz {

std::string input_file(const uint8_t* data, size_t size, const std::string& name) {
  static const std::string dir = [] {
    const char* base = std::getenv("TEST_TMPDIR");
    std::string pattern =
        (std::filesystem::path(base ? base : std::filesystem::temp_directory_path().string()) / "dimp-fuzz-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("cannot create a folder from " + pattern);
    return pattern;
  }();
  const std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

}  // namespace dimp::fuzz
