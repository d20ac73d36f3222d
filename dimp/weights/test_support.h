// dimp/weights/test_support.h — helpers of the weights readers' tests: a unique temporary
// folder per test process, whole-file I/O, and writers of hand-made ZIP archives and pickle
// streams (to build hostile and malformed inputs byte by byte).
//
//   const std::string dir = dimp::weights::testing::unique_temp_dir("zip");
//   std::string zip = dimp::weights::testing::make_zip({{"a/data.pkl", bytes}});
//   dimp::weights::testing::PickleWriter p;
//   p.proto(2).global("collections", "OrderedDict").empty_tuple().reduce().stop();
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace dimp::weights::testing {

// unique_temp_dir: a new folder (mkdtemp) under TEST_TMPDIR, or the system's temporary folder.
std::string unique_temp_dir(const std::string& prefix);

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& bytes);

// ZipMember: one member of a hand-made archive.
struct ZipMember {
  std::string name;
  std::string data;
  bool deflate = false;
};

// ZipLayout: where make_zip put things, for tests that patch fields afterwards.
struct ZipLayout {
  std::vector<uint64_t> local_headers;    // offset of each member's local header
  std::vector<uint64_t> central_entries;  // offset of each member's central directory entry
  uint64_t central_directory = 0;         // offset of the central directory
  uint64_t end_record = 0;                // offset of the (32-bit) end record
};

// make_zip: an archive of the members (stored or deflated, CRC-32 set), optionally with
// ZIP64 records (a ZIP64 end record and locator, and ZIP64 extra fields in the central
// directory with the 32-bit fields set to 0xffffffff).
std::string make_zip(const std::vector<ZipMember>& members, bool zip64 = false, ZipLayout* layout = nullptr);

// put_le: overwrite n little-endian bytes of s at offset.
void put_le(std::string& s, uint64_t offset, uint64_t value, int n);

// PickleWriter: emits pickle opcodes (protocol 2 unless told) for hand-made streams.
class PickleWriter {
 public:
  PickleWriter& proto(int v);
  PickleWriter& raw(const std::string& bytes);  // any bytes, as they are
  PickleWriter& mark();
  PickleWriter& none();
  PickleWriter& boolean(bool v);
  PickleWriter& integer(int64_t v);                 // BININT1/BININT2/BININT or LONG1
  PickleWriter& str(const std::string& s);          // BINUNICODE
  PickleWriter& global(const std::string& module, const std::string& name);  // GLOBAL
  PickleWriter& empty_tuple();
  PickleWriter& tuple();                            // TUPLE (from the last mark)
  PickleWriter& empty_dict();
  PickleWriter& setitems();                         // SETITEMS (from the last mark)
  PickleWriter& reduce();
  PickleWriter& build();
  PickleWriter& newobj();
  PickleWriter& binpersid();
  PickleWriter& stop();
  // tuple_of: MARK, the integers, TUPLE.
  PickleWriter& tuple_of(const std::vector<int64_t>& values);
  const std::string& bytes() const { return out_; }

 private:
  std::string out_;
};

}  // namespace dimp::weights::testing
