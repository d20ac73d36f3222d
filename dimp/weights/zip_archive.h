// dimp/weights/zip_archive.h — a reader of ZIP archives as torch.save writes them (entries
// `<prefix>/data.pkl`, `<prefix>/data/<key>`, `<prefix>/version`), for untrusted files: the
// end record, the central directory and every local header are checked against the file
// before use, entries may not overlap, and no allocation exceeds what the file can hold.
// Entries may be stored or deflated (zlib); ZIP64 records are read when present.
//
//   dimp::weights::ZipArchive zip(dimp::weights::open_file_source("dimp50.pth"));
//   for (const auto& e : zip.entries()) std::printf("%s %llu\n", e.name.c_str(), (unsigned long long)e.size);
//   std::string pickle = zip.read(*zip.find("archive/data.pkl"));
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "dimp/weights/byte_source.h"

namespace dimp::weights {

// ZipEntry: one member, as validated against the file.
struct ZipEntry {
  std::string name;
  uint16_t method = 0;           // 0 stored, 8 deflate
  uint32_t crc32 = 0;            // of the uncompressed bytes, checked on every read
  uint64_t compressed_size = 0;  // bytes in the file
  uint64_t size = 0;             // bytes once read (uncompressed)
  uint64_t header_offset = 0;    // the local file header
  uint64_t data_offset = 0;      // the first byte of the (compressed) data
};

// ZipArchive: the validated directory of an archive. Construction reads and checks the end
// record (ZIP64 too), the central directory and the local headers; WeightsError names the
// file and the fault (truncated, overlapping, sizes past the end, impossible counts,
// encryption, an unsupported method, several disks, duplicate names).
class ZipArchive {
 public:
  explicit ZipArchive(std::shared_ptr<const ByteSource> source);

  const std::string& name() const { return source_->name(); }
  const std::vector<ZipEntry>& entries() const { return entries_; }
  // find: the entry with exactly this name, or nullptr.
  const ZipEntry* find(const std::string& name) const;

  // read_into: the entry's `size` uncompressed bytes into out; WeightsError when the data
  // does not inflate to exactly that many bytes or its CRC-32 differs.
  void read_into(const ZipEntry& entry, void* out) const;
  // read: the same, as a string.
  std::string read(const ZipEntry& entry) const;

  // kMaxDeflateRatio: deflate cannot expand data more than 1032-fold; a larger declared size
  // is a lie and is refused before anything is allocated.
  static constexpr uint64_t kMaxDeflateRatio = 1032;

 private:
  [[noreturn]] void fail(const std::string& what) const;

  std::shared_ptr<const ByteSource> source_;
  std::vector<ZipEntry> entries_;
  std::unordered_map<std::string, size_t> by_name_;
};

// looks_like_zip: whether the source starts with a ZIP local file header or end record
// (how torch.load tells its two formats apart).
bool looks_like_zip(const ByteSource& source);

}  // namespace dimp::weights
