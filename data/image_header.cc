#include "data/image_header.h"

#include <cstring>

namespace dimp::data {
namespace {

uint32_t be32(const std::string& b, size_t i) {
  return (uint32_t{static_cast<unsigned char>(b[i])} << 24) | (uint32_t{static_cast<unsigned char>(b[i + 1])} << 16) |
         (uint32_t{static_cast<unsigned char>(b[i + 2])} << 8) | uint32_t{static_cast<unsigned char>(b[i + 3])};
}
uint32_t be16(const std::string& b, size_t i) {
  return (uint32_t{static_cast<unsigned char>(b[i])} << 8) | uint32_t{static_cast<unsigned char>(b[i + 1])};
}
int64_t le32s(const std::string& b, size_t i) {
  const uint32_t u = uint32_t{static_cast<unsigned char>(b[i])} | (uint32_t{static_cast<unsigned char>(b[i + 1])} << 8) |
                     (uint32_t{static_cast<unsigned char>(b[i + 2])} << 16) |
                     (uint32_t{static_cast<unsigned char>(b[i + 3])} << 24);
  return static_cast<int32_t>(u);
}

std::optional<ImageSize> png(const std::string& b) {
  // Signature, then the IHDR chunk: length, "IHDR", width, height (big-endian).
  if (b.size() < 24 || std::memcmp(b.data() + 12, "IHDR", 4) != 0) return std::nullopt;
  return ImageSize{be32(b, 16), be32(b, 20)};
}

std::optional<ImageSize> jpeg(const std::string& b) {
  // Walk the marker segments to the first start-of-frame (SOF0-15 but DHT, JPG and DAC).
  size_t i = 2;
  while (i + 4 <= b.size()) {
    if (static_cast<unsigned char>(b[i]) != 0xFF) return std::nullopt;
    const unsigned marker = static_cast<unsigned char>(b[i + 1]);
    if (marker == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {  // no length
      i += 2;
      continue;
    }
    const size_t length = be16(b, i + 2);
    if (length < 2) return std::nullopt;
    const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) {
      if (i + 9 > b.size()) return std::nullopt;
      return ImageSize{be16(b, i + 7), be16(b, i + 5)};
    }
    if (marker == 0xDA || marker == 0xD9) return std::nullopt;  // scan data or end before a frame header
    i += 2 + length;
  }
  return std::nullopt;
}

std::optional<ImageSize> bmp(const std::string& b) {
  // BITMAPINFOHEADER and later: width and height as signed 32-bit (negative height: top-down).
  if (b.size() < 26) return std::nullopt;
  const int64_t header = le32s(b, 14);
  if (header < 40) return std::nullopt;  // OS/2 core headers: left to the decoder
  const int64_t w = le32s(b, 18), h = le32s(b, 22);
  return ImageSize{w < 0 ? -w : w, h < 0 ? -h : h};
}

}  // namespace

std::optional<ImageSize> image_size_from_header(const std::string& b) {
  if (b.size() >= 8 && std::memcmp(b.data(), "\x89PNG\r\n\x1a\n", 8) == 0) return png(b);
  if (b.size() >= 3 && static_cast<unsigned char>(b[0]) == 0xFF && static_cast<unsigned char>(b[1]) == 0xD8) {
    return jpeg(b);
  }
  if (b.size() >= 2 && b[0] == 'B' && b[1] == 'M') return bmp(b);
  return std::nullopt;
}

}  // namespace dimp::data
