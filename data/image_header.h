// data/image_header.h — an image file's pixel size read from its header, before decoding:
// a small file can claim a huge image (a 389 KB PNG of 20000 x 20000 pixels decodes to 1.2 GB
// and took 6 GB downstream), so readers refuse such files by their header.
//
//   if (auto size = dimp::data::image_size_from_header(bytes)) check(size->width, size->height);
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace dimp::data {

// ImageSize: pixels across and down.
struct ImageSize {
  int64_t width = 0, height = 0;
};

// image_size_from_header: the size a PNG, JPEG or BMP file's header declares; nullopt for
// other formats or a header too broken to say (the decoder then reports the file itself).
std::optional<ImageSize> image_size_from_header(const std::string& bytes);

// kMaxImagePixels: the largest image the readers decode (64 Mpx, 8192 x 8192: above 8K video).
constexpr int64_t kMaxImagePixels = int64_t{1} << 26;

}  // namespace dimp::data
