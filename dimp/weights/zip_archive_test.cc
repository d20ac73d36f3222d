// The ZIP reader: archives written by Python's zipfile (stored, deflated, with a comment, with
// ZIP64 end records) read back exactly; hand-made ZIP64 records too; hostile central
// directories, local headers and deflate streams are refused with a message naming the file
// and the fault; every truncation and random byte flips never crash.
#include "dimp/weights/zip_archive.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "dimp/weights/test_support.h"
#include "tests/python_support.h"

namespace dimp::weights {
namespace {

#define EXPECT_HAS(msg, needle) EXPECT_NE((msg).find(needle), std::string::npos) << "'" << (needle) << "' not in: " << (msg)

ZipArchive open_bytes(const std::string& bytes, const std::string& name = "hostile.zip") {
  return ZipArchive(memory_source(bytes, name));
}

// Opening the archive and reading every member; the WeightsError's message, or "" if none.
std::string open_and_read_error(const std::string& bytes) {
  try {
    ZipArchive zip = open_bytes(bytes);
    for (const auto& e : zip.entries()) zip.read(e);
  } catch (const WeightsError& e) {
    return e.what();
  }
  return "";
}

std::string patched(std::string z, uint64_t offset, uint64_t value, int n) {
  testing::put_le(z, offset, value, n);
  return z;
}

const std::string kA(100, 'a');
const std::string kB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

TEST(ZipArchive, ReadsPythonZipfileArchives) {
  if (!dimp::testing::python_with_torch()) GTEST_SKIP() << "/usr/bin/python3 (with python3-torch) is needed";
  const std::string dir = testing::unique_temp_dir("zips");
  ASSERT_EQ(dimp::testing::run_python("tests/python/make_zip_archives.py", dir), 0);
  const auto manifest = nlohmann::json::parse(testing::read_file(dir + "/manifest.json"));
  for (const std::string archive : {"stored.zip", "deflated.zip"}) {
    SCOPED_TRACE(archive);
    ZipArchive zip(open_file_source(dir + "/" + archive));
    const auto& want = manifest[archive];
    ASSERT_EQ(zip.entries().size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      const ZipEntry& e = zip.entries()[i];
      EXPECT_EQ(e.name, want[i]["name"].get<std::string>());
      EXPECT_EQ(e.method, archive == "stored.zip" ? 0 : 8) << e.name;
      EXPECT_EQ(zip.read(e), testing::read_file(dir + "/" + want[i]["file"].get<std::string>())) << e.name;
      EXPECT_EQ(zip.find(e.name), &e);
    }
  }
  // 65537 members: Python writes ZIP64 end records (the 16-bit count is full).
  ZipArchive many(open_file_source(dir + "/many.zip"));
  ASSERT_EQ(many.entries().size(), manifest["many.zip"]["count"].get<size_t>());
  EXPECT_EQ(many.read(*many.find("m/last")), manifest["many.zip"]["last"].get<std::string>());
  EXPECT_EQ(many.find("m/65535")->size, 0u);
  EXPECT_EQ(many.find("m/65536"), nullptr);
}

TEST(ZipArchive, ReadsHandMadeZip64RecordsAndDeflate) {
  const std::string zeros(1 << 16, '\0');
  const std::string z = testing::make_zip({{"x/a", kA}, {"x/zeros", zeros, true}, {"x/empty", ""}}, /*zip64=*/true);
  ZipArchive zip = open_bytes(z);
  ASSERT_EQ(zip.entries().size(), 3u);
  EXPECT_EQ(zip.read(*zip.find("x/a")), kA);
  EXPECT_EQ(zip.find("x/zeros")->method, 8);
  EXPECT_LT(zip.find("x/zeros")->compressed_size, 1000u);
  EXPECT_EQ(zip.read(*zip.find("x/zeros")), zeros);
  EXPECT_EQ(zip.read(*zip.find("x/empty")), "");
  EXPECT_EQ(zip.find("x/nothing"), nullptr);
}

TEST(ZipArchive, HostileArchivesGiveClearErrors) {
  testing::ZipLayout L;
  const std::string z = testing::make_zip({{"x/a", kA}, {"x/b", kB}}, false, &L);
  ASSERT_EQ(open_and_read_error(z), "");
  const uint64_t end = L.end_record, cd0 = L.central_entries[0], cd1 = L.central_entries[1];
  struct Case {
    std::string bytes;
    std::string needle;
  };
  std::string dup = testing::make_zip({{"x/a", kA}, {"x/a", kB}});
  std::string bad_name = z;
  bad_name[L.local_headers[1] + 30 + 2] = 'c';  // "x/b" -> "x/c" in the local header only
  std::string bad_local = patched(z, L.local_headers[0], 0x12345678, 4);
  std::string bad_central = patched(z, cd1, 0x12345678, 4);
  std::string crc = z;
  crc[L.local_headers[0] + 30 + 3 + 10] ^= 1;  // one byte of x/a's data
  const std::vector<Case> cases = {
      {"PK", "too short (2 bytes)"},
      {std::string(200, 'x'), "no end-of-central-directory record"},
      {patched(z, end + 20, 5, 2), "no end-of-central-directory record"},  // comment past the end
      {patched(patched(z, end + 8, 60000, 2), end + 10, 60000, 2), "claims 60000 entries"},
      {patched(patched(z, end + 8, 0xffff, 2), end + 10, 0xffff, 2), "ZIP64 markers"},
      {patched(z, end + 16, z.size(), 4), "central directory"},
      {patched(z, end + 12, 0x7fffffff, 4), "runs past its end record"},
      {patched(z, end + 4, 1, 2), "spans several disks"},
      {patched(z, cd0 + 34, 2, 2), "starts on disk 2"},
      {patched(z, cd1 + 42, L.central_directory, 4), "does not lie before the central directory"},
      {patched(patched(z, cd0 + 20, 1u << 31, 4), cd0 + 24, 1u << 31, 4), "runs past the start of the central directory"},
      {patched(patched(z, cd0 + 20, kA.size() + 40, 4), cd0 + 24, kA.size() + 40, 4), "entries 'x/a' and 'x/b' overlap"},
      {dup, "two entries are named 'x/a'"},
      {bad_name, "the local header names 'x/c'"},
      {bad_local, "no local header at byte 0"},
      {bad_central, "has signature 0x12345678"},
      {patched(z, cd0 + 8, 1, 2), "entry 'x/a' is encrypted"},
      {patched(z, cd0 + 10, 12, 2), "compression method 12"},
      {patched(z, cd0 + 24, 99, 4), "sizes differ"},
      {patched(z, cd0 + 28, 60000, 2), "run past the central directory"},
      {patched(z, end + 12, 46 + 3 + 45, 4), "truncated"},  // the directory cut inside its second entry
      {crc, "CRC-32"},
  };
  for (const auto& c : cases) {
    const std::string msg = open_and_read_error(c.bytes);
    EXPECT_HAS(msg, "zip archive hostile.zip: ");
    EXPECT_HAS(msg, c.needle);
  }
}

TEST(ZipArchive, HostileZip64RecordsGiveClearErrors) {
  testing::ZipLayout L;
  const std::string z = testing::make_zip({{"x/a", kA}}, /*zip64=*/true, &L);
  ASSERT_EQ(open_and_read_error(z), "");
  const uint64_t z64 = L.end_record - 20 - 56, loc = L.end_record - 20, cd0 = L.central_entries[0];
  EXPECT_HAS(open_and_read_error(patched(z, loc + 8, 3, 8)), "no ZIP64 end record at byte 3");
  EXPECT_HAS(open_and_read_error(patched(z, loc + 8, L.end_record, 8)), "does not fit before its locator");
  EXPECT_HAS(open_and_read_error(patched(z, loc + 16, 3, 4)), "spans 3 disks");
  EXPECT_HAS(open_and_read_error(patched(z, z64 + 4, 1u << 20, 8)), "ZIP64 end record's size");
  EXPECT_HAS(open_and_read_error(patched(patched(z, z64 + 24, 1ull << 40, 8), z64 + 32, 1ull << 40, 8)), "claims 1099511627776 entries");
  EXPECT_HAS(open_and_read_error(patched(z, z64 + 48, 1ull << 62, 8)), "central directory");
  // The extra field announcing fewer values than the 0xffffffff fields need.
  EXPECT_HAS(open_and_read_error(patched(z, cd0 + 46 + 3 + 2, 8, 2)), "lacks a 64-bit value");
  // A ZIP64 extra field giving a local header offset far past the end.
  EXPECT_HAS(open_and_read_error(patched(z, cd0 + 46 + 3 + 4 + 16, 1ull << 50, 8)), "does not lie before the central directory");
}

TEST(ZipArchive, HostileDeflateStreamsGiveClearErrors) {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "line " + std::to_string(i % 37) + "\n";
  testing::ZipLayout L;
  const std::string z = testing::make_zip({{"x/t", text, true}}, false, &L);
  ASSERT_EQ(open_and_read_error(z), "");
  const uint64_t cd0 = L.central_entries[0];
  const auto packed = open_bytes(z).entries()[0].compressed_size;
  // A declared size deflate cannot reach from this many bytes: refused before allocating.
  EXPECT_HAS(open_and_read_error(patched(z, cd0 + 24, packed * 1033, 4)), "more than deflate can expand");
  EXPECT_HAS(open_and_read_error(patched(z, cd0 + 24, text.size() + 10, 4)), "not the declared");
  EXPECT_HAS(open_and_read_error(patched(z, cd0 + 24, text.size() - 10, 4)), "more than the declared");
  EXPECT_HAS(open_and_read_error(patched(z, cd0 + 20, packed - 20, 4)), "deflate data");
  std::string corrupt = z;
  for (int i = 0; i < 8; ++i) corrupt[L.local_headers[0] + 30 + 3 + i] = '\xff';
  EXPECT_HAS(open_and_read_error(corrupt), "deflate data");
}

TEST(ZipArchive, EveryTruncationIsRefused) {
  const std::string z = testing::make_zip({{"x/a", kA}, {"x/t", std::string(500, 'q'), true}, {"x/b", kB}});
  for (size_t n = 0; n < z.size(); ++n) {
    const std::string msg = open_and_read_error(z.substr(0, n));
    EXPECT_HAS(msg, "hostile.zip") << " at length " << n;
  }
}

TEST(ZipArchive, RandomByteFlipsAreRefusedOrRead) {
  const std::string z = testing::make_zip({{"x/a", kA}, {"x/t", std::string(500, 'q'), true}, {"x/b", kB}}, true);
  std::mt19937 rng(11);
  int refused = 0;
  for (int trial = 0; trial < 600; ++trial) {
    std::string bad = z;
    const int flips = 1 + trial % 3;
    for (int k = 0; k < flips; ++k) bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
    try {
      ZipArchive zip = open_bytes(bad);
      for (const auto& e : zip.entries()) zip.read(e);
    } catch (const WeightsError& e) {
      ++refused;
      EXPECT_HAS(std::string(e.what()), "hostile.zip");
    }
  }
  EXPECT_GT(refused, 300);  // most flips hit a checked field or data under the CRC
}

}  // namespace
}  // namespace dimp::weights
