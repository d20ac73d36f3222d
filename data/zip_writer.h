// data/zip_writer.h — a ZIP archive writer (deflate through zlib, no ZIP64), for the benchmark
// servers' submission files. The archive appears at its path only once finish() succeeds.
//
//   dimp::data::ZipWriter zip("weight-free_got10k.zip");
//   zip.add("GOT-10k_Test_000001/GOT-10k_Test_000001_001.txt", boxes_text);
//   zip.finish();
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace dimp::data {

class ZipWriter {
 public:
  // ZipWriter: starts `path` (written to `path`.partial until finish()). DataError when it
  // cannot be written.
  explicit ZipWriter(std::string path);
  ~ZipWriter();  // an unfinished archive is removed
  ZipWriter(const ZipWriter&) = delete;
  ZipWriter& operator=(const ZipWriter&) = delete;

  // add_folder: a folder entry ("name/"), as archivers write one before the folder's files.
  void add_folder(const std::string& name);
  // add: a file entry, deflated. DataError for a name that is empty, absolute, has a "..", a
  // backslash or a repeat, or for an archive past ZIP's 4 GiB and 65535 entries.
  void add(const std::string& name, const std::string& bytes);
  // finish: the central directory, then the rename to `path`.
  void finish();

 private:
  struct Entry {
    std::string name;
    uint16_t method;
    uint32_t crc, compressed, size, offset, external;
  };
  void check_name(const std::string& name);
  void add_entry(const std::string& name, const std::string& bytes, bool folder);
  void put_shared_fields(std::string& s, const Entry& e) const;

  std::string path_, partial_;
  std::ofstream out_;
  std::vector<Entry> entries_;
  uint64_t offset_ = 0;
  uint16_t time_ = 0, date_ = 0;
  bool finished_ = false;
};

}  // namespace dimp::data
