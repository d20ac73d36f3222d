#include "dimp/weights/test_support.h"

#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace dimp::weights::testing {
namespace {

void le(std::string& s, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}

std::string deflate_raw(const std::string& data) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) throw std::runtime_error("deflateInit2");
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate");
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace

std::string unique_temp_dir(const std::string& prefix) {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string templ = (std::filesystem::path(base && *base ? base : std::filesystem::temp_directory_path().string()) /
                       (prefix + "_XXXXXX")).string();
  if (!mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed for " + templ);
  return templ;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

void put_le(std::string& s, uint64_t offset, uint64_t value, int n) {
  for (int i = 0; i < n; ++i) s.at(offset + i) = static_cast<char>((value >> (8 * i)) & 0xff);
}

std::string make_zip(const std::vector<ZipMember>& members, bool zip64, ZipLayout* layout) {
  std::string out, cd;
  ZipLayout lay;
  for (const auto& m : members) {
    const std::string packed = m.deflate ? deflate_raw(m.data) : m.data;
    const uint32_t crc = static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(m.data.data()), static_cast<uInt>(m.data.size())));
    const uint16_t method = m.deflate ? 8 : 0;
    lay.local_headers.push_back(out.size());
    const uint64_t header = out.size();
    le(out, 0x04034b50, 4);
    le(out, 20, 2);
    le(out, 0, 2);
    le(out, method, 2);
    le(out, 0, 4);  // time, date
    le(out, crc, 4);
    le(out, packed.size(), 4);
    le(out, m.data.size(), 4);
    le(out, m.name.size(), 2);
    le(out, 0, 2);
    out += m.name;
    out += packed;

    lay.central_entries.push_back(cd.size());  // relative for now
    le(cd, 0x02014b50, 4);
    le(cd, 45, 2);
    le(cd, zip64 ? 45 : 20, 2);
    le(cd, 0, 2);
    le(cd, method, 2);
    le(cd, 0, 4);
    le(cd, crc, 4);
    le(cd, zip64 ? 0xffffffff : packed.size(), 4);
    le(cd, zip64 ? 0xffffffff : m.data.size(), 4);
    le(cd, m.name.size(), 2);
    le(cd, zip64 ? 4 + 24 : 0, 2);
    le(cd, 0, 2);  // comment
    le(cd, 0, 2);  // disk
    le(cd, 0, 2);
    le(cd, 0, 4);
    le(cd, zip64 ? 0xffffffff : header, 4);
    cd += m.name;
    if (zip64) {
      le(cd, 0x0001, 2);
      le(cd, 24, 2);
      le(cd, m.data.size(), 8);
      le(cd, packed.size(), 8);
      le(cd, header, 8);
    }
  }
  lay.central_directory = out.size();
  for (auto& e : lay.central_entries) e += lay.central_directory;
  out += cd;
  if (zip64) {
    const uint64_t z64 = out.size();
    le(out, 0x06064b50, 4);
    le(out, 44, 8);
    le(out, 45, 2);
    le(out, 45, 2);
    le(out, 0, 4);
    le(out, 0, 4);
    le(out, members.size(), 8);
    le(out, members.size(), 8);
    le(out, cd.size(), 8);
    le(out, lay.central_directory, 8);
    le(out, 0x07064b50, 4);
    le(out, 0, 4);
    le(out, z64, 8);
    le(out, 1, 4);
  }
  lay.end_record = out.size();
  le(out, 0x06054b50, 4);
  le(out, 0, 2);
  le(out, 0, 2);
  le(out, zip64 ? 0xffff : members.size(), 2);
  le(out, zip64 ? 0xffff : members.size(), 2);
  le(out, zip64 ? 0xffffffff : cd.size(), 4);
  le(out, zip64 ? 0xffffffff : lay.central_directory, 4);
  le(out, 0, 2);
  if (layout) *layout = lay;
  return out;
}

PickleWriter& PickleWriter::proto(int v) {
  out_ += '\x80';
  out_ += static_cast<char>(v);
  return *this;
}
PickleWriter& PickleWriter::raw(const std::string& bytes) {
  out_ += bytes;
  return *this;
}
PickleWriter& PickleWriter::mark() { return raw("("); }
PickleWriter& PickleWriter::none() { return raw("N"); }
PickleWriter& PickleWriter::boolean(bool v) { return raw(v ? "\x88" : "\x89"); }
PickleWriter& PickleWriter::integer(int64_t v) {
  if (v >= 0 && v < 256) {
    out_ += 'K';
    le(out_, static_cast<uint64_t>(v), 1);
  } else if (v >= 0 && v < 65536) {
    out_ += 'M';
    le(out_, static_cast<uint64_t>(v), 2);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    out_ += 'J';
    le(out_, static_cast<uint64_t>(v), 4);
  } else {
    out_ += '\x8a';
    out_ += '\x08';
    le(out_, static_cast<uint64_t>(v), 8);
  }
  return *this;
}
PickleWriter& PickleWriter::str(const std::string& s) {
  out_ += 'X';
  le(out_, s.size(), 4);
  out_ += s;
  return *this;
}
PickleWriter& PickleWriter::global(const std::string& module, const std::string& name) { return raw("c" + module + "\n" + name + "\n"); }
PickleWriter& PickleWriter::empty_tuple() { return raw(")"); }
PickleWriter& PickleWriter::tuple() { return raw("t"); }
PickleWriter& PickleWriter::empty_dict() { return raw("}"); }
PickleWriter& PickleWriter::setitems() { return raw("u"); }
PickleWriter& PickleWriter::reduce() { return raw("R"); }
PickleWriter& PickleWriter::build() { return raw("b"); }
PickleWriter& PickleWriter::newobj() { return raw("\x81"); }
PickleWriter& PickleWriter::binpersid() { return raw("Q"); }
PickleWriter& PickleWriter::stop() { return raw("."); }
PickleWriter& PickleWriter::tuple_of(const std::vector<int64_t>& values) {
  mark();
  for (int64_t v : values) integer(v);
  return tuple();
}

}  // namespace dimp::weights::testing
