#include "data/training_datasets.h"

#include <gtest/gtest.h>

#include "data/ground_truth.h"

namespace dimp::data {
namespace {

TEST(Coco, NonCrowdInstancesOfAtLeastTheMinimumSide) {
  const auto instances = parse_coco_instances(R"({
    "images": [{"id": 1, "file_name": "a.jpg"}, {"id": 7, "file_name": "sub/b.jpg"}],
    "annotations": [{"image_id": 1, "bbox": [10, 20, 30, 40], "iscrowd": 0},
                    {"image_id": 7, "bbox": [1.5, 2.5, 60, 70]},
                    {"image_id": 7, "bbox": [0, 0, 3, 30]},
                    {"image_id": 1, "bbox": [5, 5, 50, 50], "iscrowd": 1}]})",
                                              "a.json", 8);
  ASSERT_EQ(instances.size(), 2u);
  EXPECT_EQ(instances[0].file_name, "a.jpg");
  EXPECT_EQ(instances[0].box, (bbox::Box{10, 20, 30, 40}));
  EXPECT_EQ(instances[1].file_name, "sub/b.jpg");
}

// Each malformed entry is named by its place in the file (a type error used to surface as a bare
// "[json.exception.type_error.302] type must be number").
TEST(Coco, MalformedEntriesAreNamed) {
  auto expect_error = [](const std::string& text, const std::string& needle) {
    try {
      parse_coco_instances(text, "ann.json");
      ADD_FAILURE() << "accepted " << text;
    } catch (const DataError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("ann.json"), std::string::npos) << e.what();
    }
  };
  const std::string images = R"("images": [{"id": 1, "file_name": "a.jpg"}])";
  expect_error("{" + images + R"(, "annotations": [{"image_id": 1, "bbox": [1, 2, 30]}]})", "annotations[0]: bbox");
  expect_error("{" + images + R"(, "annotations": [{"image_id": 1, "bbox": [1, 2, 30, 40]}, {"image_id": 2, "bbox": [1, 2, 30, 40]}]})",
               "annotations[1]: image_id 2");
  expect_error("{" + images + R"(, "annotations": [{"image_id": "1", "bbox": [1, 2, 30, 40]}]})", "annotations[0]");
  expect_error("{" + images + R"(, "annotations": [{"bbox": [1, 2, 30, 40]}]})", "annotations[0]");
  expect_error(R"({"images": [{"id": 1}], "annotations": []})", "images[0]");
  expect_error(R"({"images": [{"id": 1, "file_name": "../../etc/passwd"}], "annotations": []})", "relative path");
  expect_error(R"({"images": [{"id": 1, "file_name": "/etc/passwd"}], "annotations": []})", "relative path");
  expect_error(R"({"images": {}, "annotations": []})", "expected lists");
  expect_error("[1]", "expected lists");
  expect_error("{oops", "not valid JSON");
}

}  // namespace
}  // namespace dimp::data
