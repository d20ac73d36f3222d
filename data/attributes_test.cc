// Attribute files as the toolkits write them (VOT per-frame tags, OTB and UAV123 per-sequence
// flags), refused by file and line when malformed, and per-attribute scores by hand.
#include "data/attributes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <numeric>

#include "data/ground_truth.h"
#include "data/sequence.h"
#include "tests/testing.h"

namespace fs = std::filesystem;

namespace dimp::data {
namespace {

std::string folder(const std::string& name) {
  const std::string dir = testing::temp_path(name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void expect_error(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one naming " << needle;
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(VotTags, TheSharedBagSequence) {
  DIMP_REQUIRE_DATA(data_dir);
  const Sequence seq = read_vot_sequence(data_dir + "/vot/bag");
  const SequenceAttributes attrs = find_attributes(seq, data_dir + "/vot");
  std::vector<std::string> names;
  for (const auto& a : attrs.attributes) names.push_back(a.name);
  EXPECT_EQ(names, (std::vector<std::string>{"camera_motion", "illum_change", "motion_change", "occlusion",
                                             "size_change", "empty"}));
  EXPECT_NE(attrs.source.find("bag/*.tag"), std::string::npos) << attrs.source;
  // camera_motion.tag has 157 lines for 196 frames: the rest are 0, as the VOT toolkit pads.
  const auto& camera = attrs.attributes[0].frames;
  ASSERT_EQ(camera.size(), 196u);
  std::ifstream in(data_dir + "/vot/bag/camera_motion.tag");
  int ones_in_file = 0, lines = 0;
  for (std::string l; std::getline(in, l); ++lines) ones_in_file += l == "1";
  EXPECT_EQ(lines, 157);
  EXPECT_EQ(std::accumulate(camera.begin(), camera.end(), 0), ones_in_file);
  EXPECT_TRUE(std::all_of(camera.begin() + 157, camera.end(), [](uint8_t f) { return f == 0; }));
  // "empty": exactly the frames without any tag.
  for (size_t i = 0; i < 196; ++i) {
    bool any = false;
    for (size_t k = 0; k + 1 < attrs.attributes.size(); ++k) any |= attrs.attributes[k].frames[i] != 0;
    EXPECT_EQ(attrs.attributes.back().frames[i], any ? 0 : 1) << "frame " << i;
  }
  // ball1 has no tag files: no attributes, and no source.
  const Sequence ball = read_vot_sequence(data_dir + "/vot/ball1");
  EXPECT_TRUE(find_attributes(ball, data_dir + "/vot").attributes.empty());
  EXPECT_TRUE(find_attributes(ball, data_dir + "/vot").source.empty());
}

TEST(VotTags, ShortFilesArePaddedAndBadOnesNamed) {
  const std::string dir = folder("tags");
  std::ofstream(dir + "/occlusion.tag") << "1\n0\n1\n";
  std::ofstream(dir + "/legacy.label") << "0\n1\n";
  auto tags = read_vot_tags(dir, 5);
  ASSERT_EQ(tags.size(), 3u);  // legacy, occlusion, empty
  EXPECT_EQ(tags[0].name, "legacy");
  EXPECT_EQ(tags[1].frames, (std::vector<uint8_t>{1, 0, 1, 0, 0}));
  EXPECT_EQ(tags[2].frames, (std::vector<uint8_t>{0, 0, 0, 1, 1}));
  EXPECT_TRUE(read_vot_tags(folder("no_tags"), 5).empty());
  std::ofstream(dir + "/occlusion.tag", std::ios::trunc) << "1\n2\n";
  expect_error([&] { read_vot_tags(dir, 5); }, "occlusion.tag:2: attribute flags must be 0 or 1");
  std::ofstream(dir + "/occlusion.tag", std::ios::trunc) << "1\nyes\n";
  expect_error([&] { read_vot_tags(dir, 5); }, "occlusion.tag:2: 'yes' is not a number");
  std::ofstream(dir + "/occlusion.tag", std::ios::trunc) << "1\n1,0\n";
  expect_error([&] { read_vot_tags(dir, 5); }, "occlusion.tag:2: expected one 0/1 flag, found 2");
  std::ofstream(dir + "/occlusion.tag", std::ios::trunc) << "1\n0\n1\n0\n1\n0\n";
  expect_error([&] { read_vot_tags(dir, 5); }, "occlusion.tag: 6 lines for a sequence of 5 frames");
}

TEST(SequenceAttributeFiles, OtbAndUav123Layouts) {
  const std::string root = folder("otb_root");
  fs::create_directories(root + "/anno/att");
  Sequence seq;
  seq.name = "Basketball";
  seq.dataset = "otb";
  seq.frames.assign(4, "x.jpg");
  EXPECT_TRUE(find_attributes(seq, root).attributes.empty());  // absent: none, no error
  std::ofstream(root + "/anno/att/basketball.txt") << "1\t0 1,0,0,0,0,0,0,1,0\n";  // lowercase, as some copies
  auto a = find_attributes(seq, root);
  ASSERT_EQ(a.attributes.size(), 11u);
  EXPECT_EQ(a.attributes[0].name, "IV");
  EXPECT_EQ(a.attributes[0].frames, (std::vector<uint8_t>{1, 1, 1, 1}));
  EXPECT_EQ(a.attributes[1].frames, (std::vector<uint8_t>{0, 0, 0, 0}));
  EXPECT_EQ(a.attributes[9].name, "BC");
  EXPECT_EQ(a.attributes[9].frames[0], 1);
  std::ofstream(root + "/anno/att/Basketball.txt") << "1 0 1\n";  // the exact name wins
  expect_error([&] { find_attributes(seq, root); }, "Basketball.txt: 3 attribute flags, expected 11");
  std::ofstream(root + "/anno/att/Basketball.txt", std::ios::trunc) << "1 0 1 0 0 0 0 0 0 0 0 1\n";
  expect_error([&] { find_attributes(seq, root); }, "Basketball.txt:1: more than the 11 attribute flags");
  std::ofstream(root + "/anno/att/Basketball.txt", std::ios::trunc) << "1 0 1 0 0 0 0 0 0 0 0.5\n";
  expect_error([&] { find_attributes(seq, root); }, "Basketball.txt:1: attribute flags must be 0 or 1");

  Sequence jogging = seq;
  jogging.name = "Jogging_1";
  std::ofstream(root + "/anno/att/Jogging-1.txt") << "0 0 0 1 0 0 0 0 0 0 0\n";
  a = find_attributes(jogging, root);
  ASSERT_EQ(a.attributes.size(), 11u);
  EXPECT_EQ(a.attributes[3].frames[0], 1);  // OCC
  EXPECT_NE(a.source.find("Jogging-1.txt"), std::string::npos);

  const std::string uav = folder("uav_root");
  fs::create_directories(uav + "/anno/UAV123/att");
  std::ofstream(uav + "/anno/UAV123/att/bike1.txt") << "1,0,0,1,0,0,0,0,0,0,1,0\n";
  Sequence bike;
  bike.name = "bike1";
  bike.dataset = "uav";
  bike.frames.assign(2, "x.jpg");
  a = find_attributes(bike, uav);
  ASSERT_EQ(a.attributes.size(), 12u);
  EXPECT_EQ(a.attributes[3].name, "FM");
  EXPECT_EQ(a.attributes[3].frames, (std::vector<uint8_t>{1, 1}));
  EXPECT_EQ(a.attributes[10].name, "CM");
  EXPECT_EQ(a.attributes[11].frames, (std::vector<uint8_t>{0, 0}));
}

TEST(AttributeMetrics, FramesCarryingTheAttributeByHand) {
  // Sequence A: overlaps 1, 0, 0.5; "occlusion" on frames 0 and 2. Sequence B: never occluded.
  const std::vector<bbox::Box> gt{{0, 0, 10, 10}, {0, 0, 10, 10}, {0, 0, 10, 10}};
  const std::vector<bbox::Box> a{{0, 0, 10, 10}, {50, 0, 10, 10}, {0, 0, 10, 5}};
  SequenceAttributes attrs_a{{{"occlusion", {1, 0, 1}}, {"motion", {0, 1, 0}}}, "a"};
  SequenceAttributes attrs_b{{{"occlusion", {0, 0, 0}}, {"motion", {1, 1, 1}}}, "b"};
  const auto table = attribute_metrics({a, gt}, {gt, gt}, {attrs_a, attrs_b});
  ASSERT_EQ(table.size(), 2u);
  EXPECT_EQ(table[0].name, "occlusion");
  EXPECT_EQ(table[0].sequences, 1);
  EXPECT_EQ(table[0].frames, 2);
  EXPECT_DOUBLE_EQ(table[0].metrics.average_overlap, 0.75);
  // Success at 0.5 counts IoU > 0.5: frame 0 only.
  EXPECT_DOUBLE_EQ(table[0].metrics.success_50, 0.5);
  // "motion": A's frame 1 (overlap 0) and B's three perfect frames; sequences weigh the same.
  EXPECT_EQ(table[1].sequences, 2);
  EXPECT_EQ(table[1].frames, 4);
  EXPECT_DOUBLE_EQ(table[1].metrics.auc, (0.0 + 1.0 * 20 / 21) / 2);
  // A failed run (no boxes) is left out.
  const auto without = attribute_metrics({{}, gt}, {gt, gt}, {attrs_a, attrs_b});
  EXPECT_EQ(without[0].sequences, 0);
  EXPECT_EQ(without[1].sequences, 1);
  EXPECT_THROW(attribute_metrics({a}, {gt, gt}, {attrs_a, attrs_b}), std::invalid_argument);
}

}  // namespace
}  // namespace dimp::data
