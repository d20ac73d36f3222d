#include "data/zip_writer.h"

#include <zlib.h>

#include <ctime>
#include <filesystem>
#include <limits>

#include "data/ground_truth.h"

namespace fs = std::filesystem;

namespace dimp::data {
namespace {

void put16(std::string& s, uint16_t v) {
  s += static_cast<char>(v & 0xff);
  s += static_cast<char>(v >> 8);
}
void put32(std::string& s, uint32_t v) {
  for (int k = 0; k < 4; ++k) s += static_cast<char>((v >> (8 * k)) & 0xff);
}

std::string deflate_raw(const std::string& bytes) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw DataError("zlib could not be initialised");
  }
  std::string out(deflateBound(&z, static_cast<uLong>(bytes.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw DataError("zlib could not compress an entry");
  return out;
}

}  // namespace

ZipWriter::ZipWriter(std::string path) : path_(std::move(path)), partial_(path_ + ".partial") {
  out_.open(partial_, std::ios::binary | std::ios::trunc);
  if (!out_) throw DataError("cannot write " + partial_);
  const std::time_t now = std::time(nullptr);
  std::tm t{};
  localtime_r(&now, &t);
  time_ = static_cast<uint16_t>((t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec / 2));
  date_ = static_cast<uint16_t>((std::max(t.tm_year - 80, 0) << 9) | ((t.tm_mon + 1) << 5) | t.tm_mday);
}

ZipWriter::~ZipWriter() {
  if (finished_) return;
  out_.close();
  std::error_code ec;
  fs::remove(partial_, ec);
}

void ZipWriter::check_name(const std::string& name) {
  const std::string bare = !name.empty() && name.back() == '/' ? name.substr(0, name.size() - 1) : name;
  if (bare.empty() || bare.front() == '/' || name.find('\\') != std::string::npos || name.size() > 65535) {
    throw DataError(path_ + ": entry name '" + name + "' is not a relative path");
  }
  for (const auto& part : fs::path(bare)) {
    if (part == ".." || part == ".") throw DataError(path_ + ": entry name '" + name + "' has a '" + part.string() + "'");
  }
  for (const auto& e : entries_) {
    if (e.name == name) throw DataError(path_ + ": entry '" + name + "' added twice");
  }
  if (entries_.size() >= 65535) throw DataError(path_ + ": more than 65535 entries");
}

// The fields a local header and its central-directory record share, in the order both use.
void ZipWriter::put_shared_fields(std::string& s, const Entry& e) const {
  put16(s, 20);  // version needed: 2.0 (deflate)
  put16(s, 0);   // flags
  put16(s, e.method);
  put16(s, time_);
  put16(s, date_);
  put32(s, e.crc);
  put32(s, e.compressed);
  put32(s, e.size);
  put16(s, static_cast<uint16_t>(e.name.size()));
  put16(s, 0);  // extra
}

void ZipWriter::add_entry(const std::string& name, const std::string& bytes, bool folder) {
  if (finished_) throw DataError(path_ + ": the archive is finished");
  check_name(name);
  const std::string data = folder ? std::string() : deflate_raw(bytes);
  Entry e;
  e.name = name;
  e.method = folder ? 0 : 8;
  e.crc = static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
  e.compressed = static_cast<uint32_t>(data.size());
  e.size = static_cast<uint32_t>(bytes.size());
  e.external = folder ? (040755u << 16) | 0x10 : (0100644u << 16);
  if (bytes.size() > std::numeric_limits<uint32_t>::max() ||
      offset_ + 30 + name.size() + data.size() > std::numeric_limits<uint32_t>::max()) {
    throw DataError(path_ + ": the archive would pass 4 GiB (ZIP64 is not written)");
  }
  e.offset = static_cast<uint32_t>(offset_);
  std::string header;
  put32(header, 0x04034b50);
  put_shared_fields(header, e);
  header += name;
  out_.write(header.data(), static_cast<std::streamsize>(header.size()));
  out_.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out_) throw DataError("error while writing " + partial_);
  offset_ += header.size() + data.size();
  entries_.push_back(std::move(e));
}

void ZipWriter::add_folder(const std::string& name) {
  add_entry(name.empty() || name.back() == '/' ? name : name + "/", "", true);
}

void ZipWriter::add(const std::string& name, const std::string& bytes) {
  if (!name.empty() && name.back() == '/') throw DataError(path_ + ": file entry '" + name + "' ends with '/'");
  add_entry(name, bytes, false);
}

void ZipWriter::finish() {
  if (finished_) return;
  std::string dir;
  for (const auto& e : entries_) {
    put32(dir, 0x02014b50);
    put16(dir, (3 << 8) | 20);  // made by: Unix, 2.0
    put_shared_fields(dir, e);
    put16(dir, 0);  // comment
    put16(dir, 0);  // disk
    put16(dir, 0);  // internal attributes
    put32(dir, e.external);
    put32(dir, e.offset);
    dir += e.name;
  }
  if (offset_ + dir.size() > std::numeric_limits<uint32_t>::max()) {
    throw DataError(path_ + ": the archive would pass 4 GiB (ZIP64 is not written)");
  }
  std::string end;
  put32(end, 0x06054b50);
  put16(end, 0);
  put16(end, 0);
  put16(end, static_cast<uint16_t>(entries_.size()));
  put16(end, static_cast<uint16_t>(entries_.size()));
  put32(end, static_cast<uint32_t>(dir.size()));
  put32(end, static_cast<uint32_t>(offset_));
  put16(end, 0);
  out_.write(dir.data(), static_cast<std::streamsize>(dir.size()));
  out_.write(end.data(), static_cast<std::streamsize>(end.size()));
  out_.close();
  if (!out_) throw DataError("error while writing " + partial_);
  std::error_code ec;
  fs::rename(partial_, path_, ec);
  if (ec) throw DataError("cannot rename " + partial_ + " to " + path_ + ": " + ec.message());
  finished_ = true;
}

}  // namespace dimp::data
