#include "dimp/weights/zip_archive.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>

namespace dimp::weights {
namespace {

constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr uint64_t kEndSize = 22, kZip64EndSize = 56, kZip64LocatorSize = 20;
constexpr uint64_t kCentralSize = 46, kLocalSize = 30;
constexpr uint64_t kMaxComment = 65535;
constexpr uInt kZlibChunk = uInt{1} << 30;  // zlib counts in 32-bit units

uint16_t u16(const unsigned char* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t u32(const unsigned char* p) { return static_cast<uint32_t>(u16(p)) | (static_cast<uint32_t>(u16(p + 2)) << 16); }
uint64_t u64(const unsigned char* p) { return static_cast<uint64_t>(u32(p)) | (static_cast<uint64_t>(u32(p + 4)) << 32); }

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::string range(uint64_t begin, uint64_t size) {
  return "[" + std::to_string(begin) + ", " + std::to_string(begin) + " + " + std::to_string(size) + ")";
}

// Bytes [offset, offset + n) of the source, already checked to lie inside it.
std::vector<unsigned char> read_vec(const ByteSource& src, uint64_t offset, uint64_t n) {
  std::vector<unsigned char> out(static_cast<size_t>(n));
  src.read(offset, out.data(), n);
  return out;
}

}  // namespace

void ZipArchive::fail(const std::string& what) const { throw WeightsError("zip archive " + name() + ": " + what); }

ZipArchive::ZipArchive(std::shared_ptr<const ByteSource> source) : source_(std::move(source)) {
  const ByteSource& src = *source_;
  const uint64_t size = src.size();
  if (size < kEndSize) {
    fail("too short (" + std::to_string(size) + " bytes) to hold the 22-byte end-of-central-directory record");
  }

  // The end record: the last 22 bytes, or earlier when followed by a comment. Its comment
  // must end exactly at the end of the file.
  const uint64_t tail_size = std::min(size, kEndSize + kMaxComment);
  const uint64_t tail_start = size - tail_size;
  const auto tail = read_vec(src, tail_start, tail_size);
  uint64_t end_at = std::numeric_limits<uint64_t>::max();
  for (uint64_t i = tail_size - kEndSize + 1; i-- > 0;) {
    if (u32(&tail[i]) == kEndSig && i + kEndSize + u16(&tail[i + 20]) == tail_size) {
      end_at = i;
      break;
    }
  }
  if (end_at == std::numeric_limits<uint64_t>::max()) {
    fail("no end-of-central-directory record at its end (truncated, or not a zip archive)");
  }
  const unsigned char* end = &tail[end_at];
  const uint64_t end_offset = tail_start + end_at;
  uint64_t disk = u16(end + 4), cd_disk = u16(end + 6), count_here = u16(end + 8), count = u16(end + 10);
  uint64_t cd_size = u32(end + 12), cd_offset = u32(end + 16);
  uint64_t cd_limit = end_offset;  // the central directory lies before the end record(s)

  // ZIP64: a locator right before the end record points at the ZIP64 end record, whose
  // 64-bit fields replace the 16/32-bit ones.
  const bool maxed = disk == 0xffff || cd_disk == 0xffff || count_here == 0xffff || count == 0xffff ||
                     cd_size == 0xffffffff || cd_offset == 0xffffffff;
  bool zip64 = false;
  if (end_offset >= kZip64LocatorSize) {
    const auto loc = read_vec(src, end_offset - kZip64LocatorSize, kZip64LocatorSize);
    if (u32(loc.data()) == kZip64LocatorSig) {
      zip64 = true;
      const uint64_t z64_disk = u32(&loc[4]), z64_offset = u64(&loc[8]), disks = u32(&loc[16]);
      if (z64_disk != 0 || disks > 1) fail("the ZIP64 locator says the archive spans " + std::to_string(disks) + " disks");
      const uint64_t z64_limit = end_offset - kZip64LocatorSize;
      if (z64_offset > z64_limit || z64_limit - z64_offset < kZip64EndSize) {
        fail("the ZIP64 end record at byte " + std::to_string(z64_offset) + " does not fit before its locator at byte " +
             std::to_string(z64_limit));
      }
      const auto z = read_vec(src, z64_offset, kZip64EndSize);
      if (u32(z.data()) != kZip64EndSig) fail("no ZIP64 end record at byte " + std::to_string(z64_offset) + " where the locator points");
      const uint64_t record_size = u64(&z[4]);
      if (record_size < kZip64EndSize - 12 || record_size > z64_limit - z64_offset - 12) {
        fail("the ZIP64 end record's size " + std::to_string(record_size) + " does not fit before its locator");
      }
      disk = u32(&z[16]);
      cd_disk = u32(&z[20]);
      count_here = u64(&z[24]);
      count = u64(&z[32]);
      cd_size = u64(&z[40]);
      cd_offset = u64(&z[48]);
      cd_limit = z64_offset;
    }
  }
  if (maxed && !zip64) fail("the end record has ZIP64 markers (0xffff...) but no ZIP64 locator precedes it");
  if (disk != 0 || cd_disk != 0 || count_here != count) {
    fail("spans several disks (disk " + std::to_string(disk) + ", directory on disk " + std::to_string(cd_disk) + ")");
  }
  if (cd_offset > cd_limit || cd_size > cd_limit - cd_offset) {
    fail("the central directory " + range(cd_offset, cd_size) + " runs past its end record at byte " + std::to_string(cd_limit));
  }
  if (count > cd_size / kCentralSize) {
    fail("claims " + std::to_string(count) + " entries, but its central directory of " + std::to_string(cd_size) +
         " bytes holds at most " + std::to_string(cd_size / kCentralSize));
  }

  const auto cd = read_vec(src, cd_offset, cd_size);
  entries_.reserve(static_cast<size_t>(count));
  uint64_t p = 0;
  for (uint64_t i = 0; i < count; ++i) {
    const std::string where = "central directory entry " + std::to_string(i) + " (byte " + std::to_string(cd_offset + p) + ")";
    if (cd_size - p < kCentralSize) fail(where + " is truncated");
    const unsigned char* h = &cd[p];
    if (u32(h) != kCentralSig) fail(where + " has signature " + hex32(u32(h)) + ", not " + hex32(kCentralSig));
    const uint16_t flags = u16(h + 8);
    ZipEntry e;
    e.method = u16(h + 10);
    e.crc32 = u32(h + 16);
    e.compressed_size = u32(h + 20);
    e.size = u32(h + 24);
    const uint64_t name_len = u16(h + 28), extra_len = u16(h + 30), comment_len = u16(h + 32);
    uint64_t disk_start = u16(h + 34);
    e.header_offset = u32(h + 42);
    if (cd_size - p - kCentralSize < name_len + extra_len + comment_len) fail(where + ": its name, extra field and comment run past the central directory");
    e.name.assign(reinterpret_cast<const char*>(h + kCentralSize), static_cast<size_t>(name_len));
    const std::string entry = "entry '" + e.name + "'";

    // ZIP64 extended information: the 64-bit values of the fields set to 0xffffffff (0xffff
    // for the disk), in this order.
    const unsigned char* x = h + kCentralSize + name_len;
    for (uint64_t q = 0; q + 4 <= extra_len;) {
      const uint16_t id = u16(x + q), len = u16(x + q + 2);
      if (q + 4 + len > extra_len) fail(entry + ": an extra field runs past the extra area");
      if (id == 0x0001) {
        const unsigned char* f = x + q + 4;
        uint64_t left = len;
        auto take = [&](uint64_t& field) {
          if (left < 8) fail(entry + ": its ZIP64 extra field lacks a 64-bit value it announces");
          field = u64(f);
          f += 8;
          left -= 8;
        };
        if (e.size == 0xffffffff) take(e.size);
        if (e.compressed_size == 0xffffffff) take(e.compressed_size);
        if (e.header_offset == 0xffffffff) take(e.header_offset);
        if (disk_start == 0xffff) {
          if (left < 4) fail(entry + ": its ZIP64 extra field lacks the disk number it announces");
          disk_start = u32(f);
        }
      }
      q += 4 + len;
    }
    if (disk_start != 0) fail(entry + " starts on disk " + std::to_string(disk_start) + " (several disks are not supported)");
    if (flags & 0x0001) fail(entry + " is encrypted");
    if (e.method != 0 && e.method != 8) {
      fail(entry + " uses compression method " + std::to_string(e.method) + " (only 0, stored, and 8, deflate, are supported)");
    }
    if (e.method == 0 && e.compressed_size != e.size) {
      fail(entry + " is stored but its sizes differ (" + std::to_string(e.compressed_size) + " in the file, " +
           std::to_string(e.size) + " declared)");
    }
    if (e.method == 8 && e.size > 0 && (e.size - 1) / kMaxDeflateRatio >= e.compressed_size) {  // size > 1032 x packed
      fail(entry + " declares " + std::to_string(e.size) + " bytes, more than deflate can expand " +
           std::to_string(e.compressed_size) + " bytes to");
    }
    if (by_name_.count(e.name)) fail("two entries are named '" + e.name + "'");
    by_name_[e.name] = entries_.size();
    entries_.push_back(std::move(e));
    p += kCentralSize + name_len + extra_len + comment_len;
  }

  // Local headers: each inside the file and before the central directory, naming the same
  // member, its data inside too; no two members' header-plus-data spans may overlap.
  std::vector<std::pair<uint64_t, uint64_t>> spans;  // [header, end of data) per entry
  std::vector<size_t> order;
  for (size_t i = 0; i < entries_.size(); ++i) {
    ZipEntry& e = entries_[i];
    const std::string entry = "entry '" + e.name + "'";
    if (e.header_offset > cd_offset || cd_offset - e.header_offset < kLocalSize) {
      fail(entry + ": its local header at byte " + std::to_string(e.header_offset) +
           " does not lie before the central directory (byte " + std::to_string(cd_offset) + ")");
    }
    const auto lh = read_vec(src, e.header_offset, kLocalSize);
    if (u32(lh.data()) != kLocalHeaderSig) fail(entry + ": no local header at byte " + std::to_string(e.header_offset));
    const uint64_t lname = u16(&lh[26]), lextra = u16(&lh[28]);
    const uint64_t name_at = e.header_offset + kLocalSize;
    if (cd_offset - name_at < lname + lextra) fail(entry + ": its local header's name and extra field run into the central directory");
    if (lname != e.name.size()) fail(entry + ": the local header names a different member");
    std::string local_name(static_cast<size_t>(lname), '\0');
    src.read(name_at, local_name.data(), lname);
    if (local_name != e.name) fail(entry + ": the local header names '" + local_name + "'");
    e.data_offset = name_at + lname + lextra;
    if (e.compressed_size > cd_offset - e.data_offset) {
      fail(entry + ": its data " + range(e.data_offset, e.compressed_size) + " runs past the start of the central directory (byte " +
           std::to_string(cd_offset) + ")");
    }
    spans.push_back({e.header_offset, e.data_offset + e.compressed_size});
    order.push_back(i);
  }
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return spans[a].first < spans[b].first; });
  for (size_t k = 1; k < order.size(); ++k) {
    if (spans[order[k]].first < spans[order[k - 1]].second) {
      fail("entries '" + entries_[order[k - 1]].name + "' and '" + entries_[order[k]].name + "' overlap");
    }
  }
}

const ZipEntry* ZipArchive::find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &entries_[it->second];
}

void ZipArchive::read_into(const ZipEntry& e, void* out) const {
  const std::string entry = "entry '" + e.name + "'";
  auto* dst = static_cast<unsigned char*>(out);
  if (e.method == 0) {
    source_->read(e.data_offset, dst, e.size);
  } else {
    std::vector<unsigned char> packed = read_vec(*source_, e.data_offset, e.compressed_size);
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) fail(entry + ": zlib could not be initialised");
    uint64_t in_left = packed.size(), out_left = e.size;
    z.next_in = packed.data();
    z.next_out = dst;
    unsigned char spare = 0;
    bool probing = false;  // output full: one byte of room tells a stream that ends there from a longer one
    std::string error;
    for (;;) {
      if (z.avail_in == 0 && in_left > 0) {
        z.avail_in = static_cast<uInt>(std::min<uint64_t>(in_left, kZlibChunk));
        in_left -= z.avail_in;
      }
      if (z.avail_out == 0) {
        if (out_left > 0) {
          z.avail_out = static_cast<uInt>(std::min<uint64_t>(out_left, kZlibChunk));
          out_left -= z.avail_out;
        } else if (!probing) {
          z.next_out = &spare;
          z.avail_out = 1;
          probing = true;
        } else {
          error = "its deflate data inflate to more than the declared " + std::to_string(e.size) + " bytes";
          break;
        }
      }
      const int rc = inflate(&z, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        if (probing && z.avail_out == 0) error = "its deflate data inflate to more than the declared " + std::to_string(e.size) + " bytes";
        else if (z.total_out != e.size) error = "its deflate data inflate to " + std::to_string(z.total_out) + " bytes, not the declared " + std::to_string(e.size);
        break;
      }
      if (rc == Z_OK) continue;
      if (rc == Z_BUF_ERROR && (z.avail_in > 0 || in_left > 0)) continue;
      if (rc == Z_BUF_ERROR) error = "its deflate data end after " + std::to_string(z.total_out) + " of " + std::to_string(e.size) + " bytes (truncated)";
      else error = std::string("corrupt deflate data (") + (z.msg ? z.msg : "zlib error " + std::to_string(rc)) + ")";
      break;
    }
    inflateEnd(&z);
    if (!error.empty()) fail(entry + ": " + error);
  }
  uLong crc = crc32(0L, Z_NULL, 0);
  for (uint64_t done = 0; done < e.size;) {
    const uInt n = static_cast<uInt>(std::min<uint64_t>(e.size - done, kZlibChunk));
    crc = crc32(crc, dst + done, n);
    done += n;
  }
  if (static_cast<uint32_t>(crc) != e.crc32) {
    fail(entry + ": CRC-32 " + hex32(static_cast<uint32_t>(crc)) + " of its data differs from the recorded " + hex32(e.crc32));
  }
}

std::string ZipArchive::read(const ZipEntry& e) const {
  std::string out(static_cast<size_t>(e.size), '\0');
  read_into(e, out.data());
  return out;
}

bool looks_like_zip(const ByteSource& source) {
  if (source.size() < 4) return false;
  unsigned char m[4];
  source.read(0, m, 4);
  const uint32_t sig = u32(m);
  return sig == kLocalHeaderSig || sig == kEndSig;
}

}  // namespace dimp::weights
