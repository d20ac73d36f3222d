// tests/fuzz/temp_file.h — for fuzz targets whose parser reads a path: the input bytes as a
// file of this process's own, rewritten for each input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace dimp::fuzz {

// input_file: writes `data` to this process's fuzz input file (named `name` in a folder of its
// own under $TEST_TMPDIR or the system temporary folder) and returns its path.
std::string input_file(const uint8_t* data, size_t size, const std::string& name = "input");

}  // namespace dimp::fuzz
