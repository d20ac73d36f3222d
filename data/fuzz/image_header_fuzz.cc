// Fuzz target: image headers (PNG, JPEG, BMP) read for their size before decoding.
#include <string>

#include "data/image_header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dimp::data::image_size_from_header(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
