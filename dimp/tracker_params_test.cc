#include "dimp/tracker_params.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "dimp/tracker.h"
#include "tests/testing.h"

namespace dimp {
namespace {

TEST(TrackerParams, JsonRoundTripKeepsEveryField) {
  TrackerParams p;
  p.learning_rate = 0.03;
  p.scale_factors = {0.9, 1.0, 1.1};
  p.augment_blur = {{1, 2}};
  p.border_mode = "inside_major";
  const TrackerParams q = TrackerParams::from_json_string(p.to_json());
  EXPECT_EQ(q.to_json(), p.to_json());
  EXPECT_DOUBLE_EQ(q.learning_rate, 0.03);
  ASSERT_EQ(q.augment_blur.size(), 1u);
  EXPECT_DOUBLE_EQ(q.augment_blur[0].second, 2.0);
}

TEST(TrackerParams, OverridesParseValuesOfEveryKind) {
  TrackerParams p;
  p.apply_overrides({"learning_rate=0.5", "update_classifier=false", "scale_factors=[0.5,1]", "border_mode=inside",
                     "sample_memory_size=7"});
  EXPECT_DOUBLE_EQ(p.learning_rate, 0.5);
  EXPECT_FALSE(p.update_classifier);
  EXPECT_EQ(p.scale_factors.size(), 2u);
  EXPECT_EQ(p.border_mode, "inside");
  EXPECT_EQ(p.sample_memory_size, 7);
}

TEST(TrackerParams, BadInputNamesTheProblem) {
  auto expect_error = [](auto fn, const std::string& needle) {
    try {
      fn();
      FAIL() << "no error for " << needle;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error([] { TrackerParams::from_json_string(R"({"learning_rat": 0.1})"); }, "learning_rat");
  expect_error([] { TrackerParams::from_json_string(R"({"learning_rate": "fast"})"); }, "learning_rate");
  expect_error([] { TrackerParams::from_json_string("{not json"); }, "not valid JSON");
  expect_error([] { TrackerParams::from_json_string(R"({"learning_rate": 2})"); }, "learning_rate");
  expect_error([] { TrackerParams().apply_overrides({"learning_rate"}); }, "name=value");
  expect_error([] { TrackerParams().set("border_mode", "sideways"); }, "border_mode");
  expect_error([] { TrackerParams().set("network_precision", "half"); }, "network_precision");
  expect_error([] { TrackerParams::from_json_file("/nonexistent.json"); }, "/nonexistent.json");
}

// The readable parameter files shipped in dimp/params/ are the variants' defaults.
TEST(TrackerParams, ShippedParameterFilesEqualTheBuiltInDefaults) {
  auto root = testing::source_root();
  ASSERT_TRUE(root.has_value()) << "source checkout not found from the test";
  for (const auto& spec : tracker_specs()) {
    const std::string path = *root + "/dimp/params/" + spec.name + ".json";
    std::ifstream in(path);
    ASSERT_TRUE(in.good()) << "missing parameter file " << path;
    EXPECT_EQ(TrackerParams::from_json_file(path).to_json(), spec.default_params().to_json()) << path;
  }
}

}  // namespace
}  // namespace dimp
