// Submission archives as the GOT-10k and TrackingNet servers take them, read back with the
// project's independent ZIP reader (which checks every header and CRC); incomplete results are
// refused by sequence and file before anything is written.
#include "data/submission.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "data/ground_truth.h"
#include "data/results.h"
#include "data/zip_writer.h"
#include "dimp/weights/byte_source.h"
#include "dimp/weights/zip_archive.h"
#include "tests/testing.h"

namespace fs = std::filesystem;

namespace dimp::data {
namespace {

std::string results_folder(const std::string& name) {
  const std::string dir = testing::temp_path(name);
  fs::remove_all(dir);
  return dir;
}

const std::vector<bbox::Box> kBoxes{{10, 20, 30, 40}, {11.25, 21.5, 30, 40}, {12, 22, 31.75, 41}};

std::vector<std::string> names(const weights::ZipArchive& zip) {
  std::vector<std::string> out;
  for (const auto& e : zip.entries()) out.push_back(e.name);
  return out;
}

TEST(Submission, Got10kFoldersWithBoxesAndTimes) {
  const std::string dir = results_folder("sub_got10k");
  write_results("got10k", dir, "wf", "GOT-10k_Test_000001", kBoxes, {0.0, 0.01, 0.02});
  write_results("got10k", dir, "wf", "GOT-10k_Test_000002", kBoxes, {0.0, 0.01, 0.02});
  const std::string zip_path = dir + "/wf_got10k.zip";
  EXPECT_EQ(pack_submission("got10k", dir, "wf", {{"GOT-10k_Test_000001", 3}, {"GOT-10k_Test_000002", 3}}, zip_path), 4u);
  weights::ZipArchive zip(weights::open_file_source(zip_path));
  EXPECT_EQ(names(zip), (std::vector<std::string>{"GOT-10k_Test_000001/", "GOT-10k_Test_000001/GOT-10k_Test_000001_001.txt",
                                                  "GOT-10k_Test_000001/GOT-10k_Test_000001_time.txt", "GOT-10k_Test_000002/",
                                                  "GOT-10k_Test_000002/GOT-10k_Test_000002_001.txt",
                                                  "GOT-10k_Test_000002/GOT-10k_Test_000002_time.txt"}));
  EXPECT_EQ(zip.read(*zip.find("GOT-10k_Test_000001/GOT-10k_Test_000001_001.txt")),
            "10.000,20.000,30.000,40.000\n11.250,21.500,30.000,40.000\n12.000,22.000,31.750,41.000\n");
  EXPECT_EQ(zip.read(*zip.find("GOT-10k_Test_000002/GOT-10k_Test_000002_time.txt")),
            "0.00000000\n0.01000000\n0.02000000\n");
  EXPECT_FALSE(fs::exists(zip_path + ".partial"));
}

TEST(Submission, TrackingNetFilesAtTheRoot) {
  const std::string dir = results_folder("sub_tn");
  write_results("trackingnet", dir, "wf", "-0Ucj1TTtSY_0", kBoxes);
  write_results("trackingnet", dir, "wf", "zz_1", kBoxes);
  const std::string zip_path = dir + "/wf_trackingnet.zip";
  EXPECT_EQ(pack_submission("trackingnet", dir, "wf", {{"-0Ucj1TTtSY_0", 3}, {"zz_1", 3}}, zip_path), 2u);
  weights::ZipArchive zip(weights::open_file_source(zip_path));
  EXPECT_EQ(names(zip), (std::vector<std::string>{"-0Ucj1TTtSY_0.txt", "zz_1.txt"}));
  EXPECT_EQ(zip.read(*zip.find("zz_1.txt")), "10.00,20.00,30.00,40.00\n11.25,21.50,30.00,40.00\n12.00,22.00,31.75,41.00\n");
}

TEST(Submission, IncompleteResultsAreRefusedAndNothingIsWritten) {
  const std::string dir = results_folder("sub_bad");
  write_results("got10k", dir, "wf", "A", kBoxes, {0.0, 0.01, 0.02});
  const std::string zip_path = dir + "/wf.zip";
  auto expect = [&](const std::string& format, const std::vector<SubmissionSequence>& seqs, const std::string& needle) {
    try {
      pack_submission(format, dir, "wf", seqs, zip_path);
      ADD_FAILURE() << "packed; expected " << needle;
    } catch (const DataError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(zip_path));
    EXPECT_FALSE(fs::exists(zip_path + ".partial"));
  };
  expect("got10k", {{"A", 3}, {"B", 3}}, "wf on B: no result file");
  expect("got10k", {{"A", 4}}, "holds 3 boxes for 4 frames");
  expect("otb", {{"A", 3}}, "no submission archive for format 'otb'");
  fs::remove(dir + "/wf/A/A_time.txt");
  expect("got10k", {{"A", 3}}, "wf on A: no time file");
  std::ofstream(dir + "/wf/A/A_time.txt") << "0.1\n-1\n0.1\n";
  expect("got10k", {{"A", 3}}, "A_time.txt:2: a time must be a finite number of seconds >= 0");
}

TEST(ZipWriter, RefusesNamesThatLeaveTheArchive) {
  const std::string path = testing::temp_path("names.zip");
  ZipWriter zip(path);
  zip.add("a/b.txt", "x");
  for (const std::string bad : {"", "/etc/passwd", "a/../../b", "a\\b", "a/b.txt", "./a"}) {
    EXPECT_THROW(zip.add(bad, "x"), DataError) << bad;
  }
  zip.add("empty.txt", "");
  zip.finish();
  weights::ZipArchive read(weights::open_file_source(path));
  EXPECT_EQ(names(read), (std::vector<std::string>{"a/b.txt", "empty.txt"}));
  EXPECT_EQ(read.read(*read.find("empty.txt")), "");
}

}  // namespace
}  // namespace dimp::data
