#include "data/datasets.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "data/results.h"
#include "tests/testing.h"

namespace fs = std::filesystem;

namespace dimp::data {
namespace {

// Builds dataset layouts in a temporary folder: empty image files and annotation files.
class Layout {
 public:
  explicit Layout(const std::string& name) : root_(testing::temp_path("ds_" + name)) {
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  std::string root() const { return root_.string(); }
  void images(const std::string& dir, int first, int last, int digits, bool padded = true) {
    fs::create_directories(root_ / dir);
    for (int i = first; i <= last; ++i) {
      char name[32];
      if (padded) {
        std::snprintf(name, sizeof name, "%0*d.jpg", digits, i);
      } else {
        std::snprintf(name, sizeof name, "%d.jpg", i);
      }
      std::ofstream(root_ / dir / name) << "jpg";
    }
  }
  void text(const std::string& path, const std::string& content) {
    fs::create_directories((root_ / path).parent_path());
    std::ofstream(root_ / path) << content;
  }
  static std::string boxes(int n, char sep = ',') {
    std::string s;
    for (int i = 0; i < n; ++i) s += std::to_string(10 + i) + sep + "20" + sep + "30" + sep + "40\n";
    return s;
  }

 private:
  fs::path root_;
};

TEST(Datasets, OtbWithIrregularSequences) {
  Layout l("otb");
  l.images("Basketball/img", 1, 5, 4);
  l.text("Basketball/groundtruth_rect.txt", Layout::boxes(5, '\t'));
  l.images("Jogging/img", 1, 307, 4);
  l.text("Jogging/groundtruth_rect.1.txt", Layout::boxes(307));
  l.text("Jogging/groundtruth_rect.2.txt", Layout::boxes(307));
  auto seqs = read_otb(l.root());
  ASSERT_EQ(seqs.size(), 3u);  // Basketball, Jogging_1, Jogging_2: two targets in one folder
  EXPECT_EQ(seqs[0].name, "Basketball");
  EXPECT_EQ(seqs[0].ground_truth[0], (bbox::Box{9, 19, 30, 40}));
  EXPECT_EQ(seqs[1].name, "Jogging_1");
  EXPECT_EQ(seqs[1].size(), 307u);
  EXPECT_EQ(read_otb(l.root(), {"Jogging_2"}).size(), 1u);
  // David is annotated from frame 300: a folder without those frames is an incomplete download.
  l.images("David/img", 1, 12, 4);
  try {
    read_otb(l.root());
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("David/img/0300.jpg"), std::string::npos) << e.what();
  }
}

TEST(Datasets, AFolderHoldingOtbReadsAsIt) {
  Layout l("otb_parent");
  l.images("otb/Car/img", 1, 3, 4);
  l.text("otb/Car/groundtruth_rect.txt", Layout::boxes(3));
  l.images("vot/ball/color", 1, 3, 8);  // other layouts beside it are not OTB sequences
  const auto seqs = read_otb(l.root());
  ASSERT_EQ(seqs.size(), 1u);
  EXPECT_EQ(seqs[0].name, "Car");
  EXPECT_EQ(read_otb(l.root() + "/otb")[0].frames, seqs[0].frames);
}

TEST(Datasets, Uav123SplitSequencesAreFrameRanges) {
  Layout l("uav");
  l.images("data_seq/UAV123/bird1", 1, 2437, 6);
  l.text("anno/UAV123/bird1_2.txt", Layout::boxes(1477 - 775 + 1) + "NaN,NaN,NaN,NaN\n");
  EXPECT_THROW(read_uav123(l.root()), DataError);  // one box too many for frames 775..1477
  l.text("anno/UAV123/bird1_2.txt", Layout::boxes(1477 - 775) + "NaN,NaN,NaN,NaN\n");
  auto seqs = read_uav123(l.root());
  ASSERT_EQ(seqs.size(), 1u);
  EXPECT_EQ(fs::path(seqs[0].frames[0]).filename(), "000775.jpg");
  EXPECT_FALSE(seqs[0].ground_truth.back().is_valid());  // target absent
}

TEST(Datasets, NfsLasotGot10kTrackingNet) {
  Layout nfs("nfs");
  nfs.images("sequences/Bee", 1, 4, 5);
  nfs.text("anno/nfs_Bee.txt", Layout::boxes(4, '\t'));
  auto n = read_nfs(nfs.root());
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].name, "Bee");

  Layout lasot("lasot");
  lasot.images("airplane/airplane-1/img", 1, 3, 8);
  lasot.text("airplane/airplane-1/groundtruth.txt", Layout::boxes(3));
  lasot.text("airplane/airplane-1/full_occlusion.txt", "0,1,0\n");
  lasot.text("airplane/airplane-1/out_of_view.txt", "0,0,1\n");
  auto a = read_lasot(lasot.root());
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].object_class, "airplane");
  EXPECT_EQ(a[0].visible, (std::vector<uint8_t>{1, 0, 0}));

  Layout got("got");
  got.images("GOT-10k_Test_000001", 1, 6, 8);
  got.text("GOT-10k_Test_000001/groundtruth.txt", Layout::boxes(1));  // test split: first box only
  got.text("list.txt", "GOT-10k_Test_000001\n");
  auto g = read_got10k(got.root());
  ASSERT_EQ(g.size(), 1u);
  EXPECT_FALSE(g[0].fully_annotated());
  EXPECT_EQ(g[0].ground_truth[0], (bbox::Box{10, 20, 30, 40}));  // 0-based

  Layout tn("tn");
  tn.images("frames/abc", 0, 11, 0, /*padded=*/false);
  tn.text("anno/abc.txt", Layout::boxes(12));
  auto t = read_trackingnet(tn.root());
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(fs::path(t[0].frames[10]).filename(), "10.jpg");  // numeric, not lexicographic order
}

TEST(Datasets, BadFilesAreNamed) {
  Layout l("bad");
  l.images("sequences/X", 1, 3, 5);
  l.text("anno/nfs_X.txt", "1,2,3,4\n1,2,oops,4\n1,2,3,4\n");
  try {
    read_nfs(l.root());
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("nfs_X.txt:2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_dataset("nope", l.root()), DataError);
  EXPECT_THROW(read_lasot("/nonexistent"), DataError);
  l.text("flags.txt", "0,2\n");
  EXPECT_THROW(read_flags(l.root() + "/flags.txt"), DataError);
}

TEST(Results, EveryFormatRoundTripsAndPartialResultsAreIgnored) {
  const std::string dir = testing::temp_path("results");
  fs::remove_all(dir);
  std::vector<bbox::Box> boxes{{0.5, 1.5, 10, 20}, {2, 3, 11, 21}, {4, 5, 12, 22}};
  for (const std::string fmt : {"otb", "lasot", "got10k", "trackingnet", "vot"}) {
    write_results(fmt, dir, fmt, "seq", boxes, {0.01, 0.02, 0.03});
    auto back = read_results(fmt, dir, fmt, "seq", 3);
    ASSERT_TRUE(back.has_value()) << fmt;
    for (size_t i = (fmt == "vot" ? 1 : 0); i < 3; ++i) EXPECT_EQ((*back)[i], boxes[i]) << fmt << " " << i;
    EXPECT_FALSE(read_results(fmt, dir, fmt, "seq", 4).has_value()) << fmt;  // incomplete for 4 frames
  }
  // OTB results are 1-based, tab separated; GOT-10k 0-based, comma separated, with times.
  std::ifstream otb(result_path("otb", dir, "otb", "seq"));
  std::string line;
  std::getline(otb, line);
  EXPECT_EQ(line, "1.50\t2.50\t10.00\t20.00");
  EXPECT_TRUE(fs::exists(fs::path(dir) / "got10k" / "seq" / "seq_time.txt"));
  EXPECT_THROW(write_results("xyz", dir, "t", "seq", boxes), DataError);
  EXPECT_THROW(check_result_format("bogus"), DataError);
  // A corrupt VOT result (an unparsable line) is not reused: it is recomputed, never fatal.
  std::ofstream(result_path("vot", dir, "vot", "seq")) << "1\n1,2,3,4\n1,2,x,4\n";
  EXPECT_FALSE(read_results("vot", dir, "vot", "seq", 3).has_value());
}

// A sequence that cannot be read fails alone: with a collector the others are read and it is
// listed with its reader's error; a sequence that is not selected is not even opened.
TEST(Datasets, AnUnreadableSequenceIsListedAndTheOthersAreRead) {
  Layout l("unreadable");
  l.images("Good/img", 1, 3, 4);
  l.text("Good/groundtruth_rect.txt", Layout::boxes(3));
  l.images("Broken/img", 1, 3, 4);
  l.text("Broken/groundtruth_rect.txt", "1,2,3,4\n1,2,3\n1,2,3,4\n");
  EXPECT_THROW(read_otb(l.root()), DataError);
  EXPECT_EQ(read_otb(l.root(), {"Good"}).size(), 1u);  // Broken is excluded, so never parsed
  std::vector<UnreadableSequence> unreadable;
  auto seqs = read_dataset("otb", l.root(), {}, &unreadable);
  ASSERT_EQ(seqs.size(), 1u);
  EXPECT_EQ(seqs[0].name, "Good");
  ASSERT_EQ(unreadable.size(), 1u);
  EXPECT_EQ(unreadable[0].name, "Broken");
  EXPECT_NE(unreadable[0].error.find("groundtruth_rect.txt:2"), std::string::npos) << unreadable[0].error;
}

// Numbered frame ranges must be complete: a missing middle frame is named, not skipped.
TEST(Datasets, AMissingFrameInsideARangeIsNamed) {
  Layout l("gap");
  l.images("sequences/Bee", 1, 6, 5);
  fs::remove(fs::path(l.root()) / "sequences/Bee/00004.jpg");
  l.text("anno/nfs_Bee.txt", Layout::boxes(6));
  try {
    read_nfs(l.root());
    ADD_FAILURE() << "a gap was accepted";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("00004.jpg"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dimp::data
