#include "data/sequence.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/testing.h"

namespace fs = std::filesystem;

namespace dimp::data {
namespace {

fs::path make_otb(const std::string& name, int images, int boxes) {
  fs::path dir = fs::path(testing::temp_path("seq")) / name;
  fs::remove_all(dir);
  fs::create_directories(dir / "img");
  for (int i = 1; i <= images; ++i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d.jpg", i);
    std::ofstream(dir / "img" / buf) << "x";
  }
  std::ofstream gt(dir / "groundtruth_rect.txt");
  for (int i = 0; i < boxes; ++i) gt << i + 1 << "," << 1 << ",10,10\n";
  return dir;
}

TEST(Sequence, ReadsAnOtbLayout) {
  auto dir = make_otb("Synthetic", 5, 5);
  auto s = read_otb_sequence(dir.string());
  EXPECT_EQ(s.name, "Synthetic");
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(fs::path(s.frames[2]).filename(), "0003.jpg");
  EXPECT_EQ(s.ground_truth[2], (bbox::Box{2, 0, 10, 10}));
}

TEST(Sequence, SurplusImagesAndStartFrame) {
  auto dir = make_otb("Longer", 8, 5);
  EXPECT_EQ(read_otb_sequence(dir.string()).size(), 5u);
  auto s = read_otb_sequence(dir.string(), 3);
  EXPECT_EQ(fs::path(s.frames[0]).filename(), "0003.jpg");
  EXPECT_EQ(s.size(), 5u);
}

TEST(Sequence, MissingFramesAreAnError) {
  auto dir = make_otb("Short", 3, 5);
  try {
    read_otb_sequence(dir.string());
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("3 frames but 5 boxes"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_otb_sequence("/nonexistent/otb/X"), DataError);
}

TEST(Sequence, NamesCompareWithTheirNumbers) {
  EXPECT_TRUE(natural_less("2.jpg", "10.jpg"));
  EXPECT_FALSE(natural_less("10.jpg", "2.jpg"));
  EXPECT_TRUE(natural_less("img9.png", "img10.png"));
  EXPECT_TRUE(natural_less("0009.jpg", "0010.jpg"));
  EXPECT_TRUE(natural_less("a.jpg", "b.jpg"));
  EXPECT_TRUE(natural_less("01.jpg", "1.jpg") != natural_less("1.jpg", "01.jpg"));  // a strict order
  EXPECT_FALSE(natural_less("5.jpg", "5.jpg"));
}

// Unpadded frame numbers are listed in frame order (text order would give 1, 10, 11, ..., 2, and
// pair every frame with the wrong box); a gap or a repeated number is an error naming it.
TEST(Sequence, FrameListsAreInNumericOrderWithoutGaps) {
  const fs::path dir = fs::path(testing::temp_path("numbered"));
  fs::create_directories(dir);
  for (int i = 1; i <= 12; ++i) std::ofstream(dir / (std::to_string(i) + ".jpg")) << "x";
  auto images = list_images(dir.string());
  ASSERT_EQ(images.size(), 12u);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(fs::path(images[i]).filename(), std::to_string(i + 1) + ".jpg");
  fs::remove(dir / "7.jpg");
  try {
    list_images(dir.string());
    ADD_FAILURE() << "a gap was accepted";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("frame 7 is missing"), std::string::npos) << e.what();
  }
  std::ofstream(dir / "7.jpg") << "x";
  std::ofstream(dir / "007.jpg") << "x";
  EXPECT_THROW(list_images(dir.string()), DataError);  // two files for frame 7
}

TEST(Sequence, RealSequencesAreReadWithTheirGroundTruth) {
  DIMP_REQUIRE_DATA(root);
  auto all = read_sequences_under(root);
  ASSERT_EQ(all.size(), 6u);
  const Sequence& crossing = all[0];
  EXPECT_EQ(crossing.name, "Crossing");
  EXPECT_EQ(crossing.size(), 120u);
  EXPECT_EQ(crossing.ground_truth[0], (bbox::Box{204, 150, 17, 50}));  // "205 151 17 50", 1-based
  const Sequence& ball = all[5];
  EXPECT_EQ(ball.dataset, "vot");
  EXPECT_EQ(ball.name, "ball1");
  EXPECT_EQ(ball.size(), 105u);
  EXPECT_EQ(ball.ground_truth[0], (bbox::Box{492, 417, 47, 46}));
  for (const auto& s : all) {
    for (const auto& b : s.ground_truth) EXPECT_TRUE(b.is_valid()) << s.name;
  }
}

}  // namespace
}  // namespace dimp::data
