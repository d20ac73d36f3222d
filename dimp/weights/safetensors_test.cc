#include "dimp/weights/safetensors.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "tests/testing.h"

namespace fs = std::filesystem;

namespace dimp::weights {
namespace {

std::string temp(const std::string& name) { return testing::temp_path(name); }

// A file with a hand-written header and `data_bytes` bytes of data.
std::string raw_file(const std::string& name, const std::string& header, size_t data_bytes, uint64_t claimed = 0) {
  const std::string path = temp(name);
  std::ofstream out(path, std::ios::binary);
  uint64_t n = claimed ? claimed : header.size();
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((n >> (8 * i)) & 0xff));
  out << header << std::string(data_bytes, '\0');
  return path;
}

void expect_refused(const std::string& path, const std::string& needle) {
  try {
    read_safetensors(path);
    ADD_FAILURE() << "accepted " << path;
  } catch (const WeightsError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST(Safetensors, RoundTripsEveryDtypeAndMetadata) {
  const std::string path = temp("roundtrip.safetensors");
  std::vector<std::pair<std::string, at::Tensor>> tensors{
      {"f32", at::randn({3, 4})},
      {"f64", at::randn({2}, at::kDouble)},
      {"f16", at::randn({5}).to(at::kHalf)},
      {"bf16", at::randn({5}).to(at::kBFloat16)},
      {"i64", at::arange(7, at::kLong)},
      {"i32", at::arange(3, at::kInt)},
      {"u8", at::arange(9, at::kByte).view({3, 3})},
      {"bool", at::arange(3, at::kLong).remainder(2).to(at::kBool)},
      {"scalar", at::scalar_tensor(3.5)},
      {"empty", at::zeros({0, 4})},
      {"strided", at::randn({4, 6}).t()},  // written contiguous
  };
  write_safetensors(path, tensors, {{"arch", "test"}});
  auto back = read_safetensors(path);
  ASSERT_EQ(back.size(), tensors.size());
  for (const auto& [name, t] : tensors) {
    ASSERT_TRUE(back.count(name)) << name;
    EXPECT_EQ(back[name].scalar_type(), t.scalar_type()) << name;
    EXPECT_TRUE(at::equal(back[name], t.contiguous())) << name;
  }
  auto header = read_safetensors_header(path);
  EXPECT_EQ(header.metadata.at("arch"), "test");
  EXPECT_EQ(header.data_start % 8, 0u);
}

TEST(Safetensors, HostileFilesGiveClearErrors) {
  const std::string ok = R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})";
  EXPECT_NO_THROW(read_safetensors(raw_file("ok", ok, 16)));
  expect_refused(raw_file("truncated", ok, 10), "outside the data section");
  expect_refused(raw_file("lying_length", ok, 16, 1000000), "runs past the end");
  expect_refused(raw_file("huge_length", ok, 16, 1ull << 62), "exceeds");
  expect_refused(raw_file("not_json", "{\"a\": [1, 2", 0), "not valid JSON");
  expect_refused(raw_file("wrong_dtype", R"({"a":{"dtype":"F128","shape":[2],"data_offsets":[0,32]}})", 32),
                 "unsupported dtype 'F128'");
  expect_refused(raw_file("huge_dims",
                          R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,16]}})", 16),
                 "more bytes than the file holds");
  expect_refused(raw_file("negative", R"({"a":{"dtype":"F32","shape":[-1,4],"data_offsets":[0,16]}})", 16),
                 "non-negative");
  expect_refused(raw_file("size_lie", R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})", 16),
                 "need 12 bytes");
  expect_refused(raw_file("overlap", R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                     R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 16),
                 "overlap");
  expect_refused(raw_file("duplicate", R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                       R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8),
                 "appears twice");
  expect_refused(raw_file("missing_field", R"({"a":{"dtype":"F32","shape":[1]}})", 4), "data_offsets");
  expect_refused(raw_file("backwards", R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})", 8), "outside");
  {
    std::ofstream(temp("tiny")) << "abc";
    expect_refused(temp("tiny"), "shorter than");
  }
  EXPECT_THROW(read_safetensors("/nonexistent/w.safetensors"), WeightsError);
}

// A header of 100,000 empty tensors (5.4 MiB of JSON) is read in one pass: the duplicate check
// used to rescan the whole object at each entry's end (over two minutes; the test's time limit
// catches that). A duplicate far down such a header is still found.
TEST(Safetensors, AHeaderOfManyEntriesIsReadInOnePass) {
  std::string header = "{";
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    header += (i ? "," : "") + std::string("\"t") + std::to_string(i) + R"(":{"dtype":"F32","shape":[0],"data_offsets":[0,0]})";
  }
  EXPECT_EQ(read_safetensors_header(raw_file("many", header + "}", 0)).tensors.size(), static_cast<size_t>(n));
  expect_refused(raw_file("many_dup", header + R"(,"t77777":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}})", 0),
                 "'t77777' appears twice");
}

TEST(Safetensors, WriterRefusesDuplicateNames) {
  EXPECT_THROW(write_safetensors(temp("dup.safetensors"), {{"a", at::ones({1})}, {"a", at::ones({1})}}), WeightsError);
}

}  // namespace
}  // namespace dimp::weights
