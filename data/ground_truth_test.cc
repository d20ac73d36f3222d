#include "data/ground_truth.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tests/testing.h"

namespace dimp::data {
namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  auto p = std::filesystem::path(testing::temp_path(name));
  std::ofstream(p) << text;
  return p.string();
}

TEST(GroundTruth, ReadsCommaTabAndSpaceSeparatedOneBasedRects) {
  auto p = write_temp("mixed.txt", "205\t151\t17\t50\n178,51,21,129\n1 2 3 4\n\n");
  auto b = read_rect_file(p, 1.0);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0], (bbox::Box{204, 150, 17, 50}));
  EXPECT_EQ(b[1], (bbox::Box{177, 50, 21, 129}));
  EXPECT_EQ(b[2], (bbox::Box{0, 1, 3, 4}));
}

TEST(GroundTruth, NaNMarksAnAbsentTarget) {
  auto p = write_temp("nan.txt", "1,2,3,4\nNaN,NaN,NaN,NaN\n");
  auto b = read_rect_file(p, 0.0);
  EXPECT_TRUE(b[0].is_valid());
  EXPECT_FALSE(b[1].is_valid());
}

TEST(GroundTruth, ErrorsNameTheFileAndLine) {
  auto p = write_temp("bad.txt", "1,2,3,4\n1,2,x,4\n");
  try {
    read_rect_file(p, 1.0);
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(p + ":2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'x'"), std::string::npos) << e.what();
  }
  auto q = write_temp("short.txt", "1,2,3\n");
  EXPECT_THROW(read_rect_file(q, 1.0), DataError);
  EXPECT_THROW(read_rect_file("/nonexistent/gt.txt", 1.0), DataError);
  auto r = write_temp("hole.txt", "1,2,3,4\n\n5,6,7,8\n");
  EXPECT_THROW(read_rect_file(r, 1.0), DataError);
}

TEST(GroundTruth, AxisAlignedPolygonIsItsRectangle) {
  const bbox::Box b = polygon_to_box({492, 463, 539, 463, 539, 417, 492, 417});
  EXPECT_EQ(b, (bbox::Box{492, 417, 47, 46}));
  const bbox::Box a = polygon_to_box({492, 463, 539, 463, 539, 417, 492, 417}, PolygonToBox::kAreaPreserving);
  EXPECT_NEAR(a.x, 492, 1e-9);
  EXPECT_NEAR(a.w, 47, 1e-9);
}

TEST(GroundTruth, RotatedSquarePolygon) {
  // A square of side sqrt(2)*10 rotated 45 degrees around (50, 50): corners at distance 10.
  const std::vector<double> diamond{50, 40, 60, 50, 50, 60, 40, 50};
  const bbox::Box e = polygon_to_box(diamond);
  EXPECT_EQ(e, (bbox::Box{40, 40, 20, 20}));
  const bbox::Box a = polygon_to_box(diamond, PolygonToBox::kAreaPreserving);
  EXPECT_NEAR(a.area(), 200.0, 1e-9);  // the diamond's area
  EXPECT_NEAR(a.cx(), 50, 1e-9);
  EXPECT_NEAR(a.cy(), 50, 1e-9);
}

TEST(GroundTruth, WriteThenReadRoundTrips) {
  auto p = testing::temp_path("roundtrip.txt");
  std::vector<bbox::Box> boxes{{0.5, 1.25, 10, 20}, {100, 200, 30.75, 40}};
  write_rect_file(p, boxes, 1.0);
  auto back = read_rect_file(p, 1.0);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0], boxes[0]);
  EXPECT_EQ(back[1], boxes[1]);
}

}  // namespace
}  // namespace dimp::data
