#include "dimp/tracker_params.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "dimp/tracker.h"
#include "tests/testing.h"

namespace dimp {
namespace {

template <class Fn>
void expect_error(Fn fn, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "no error for " << needle;
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = testing::temp_path(name);
  std::ofstream(path) << text;
  return path;
}

TEST(TrackerParams, JsonRoundTripKeepsEveryField) {
  TrackerParams p;
  p.learning_rate = 0.03;
  p.scale_factors = {0.9, 1.0, 1.1};
  p.augment_blur = {{1, 2}};
  p.border_mode = "inside_major";
  const TrackerParams q = TrackerParams::from_json_string(p.to_json(), TrackerParams{});
  EXPECT_EQ(q.to_json(), p.to_json());
  EXPECT_DOUBLE_EQ(q.learning_rate, 0.03);
  ASSERT_EQ(q.augment_blur.size(), 1u);
  EXPECT_DOUBLE_EQ(q.augment_blur[0].second, 2.0);
}

TEST(TrackerParams, OverridesParseValuesOfEveryKind) {
  TrackerParams p;
  p.apply_overrides({"learning_rate=0.5", "update_classifier=false", "scale_factors=[0.5,1]", "border_mode=inside",
                     "sample_memory_size=70"});
  EXPECT_DOUBLE_EQ(p.learning_rate, 0.5);
  EXPECT_FALSE(p.update_classifier);
  EXPECT_EQ(p.scale_factors.size(), 2u);
  EXPECT_EQ(p.border_mode, "inside");
  EXPECT_EQ(p.sample_memory_size, 70);
}

TEST(TrackerParams, BadInputNamesTheProblem) {
  const TrackerParams base;
  expect_error([&] { TrackerParams::from_json_string(R"({"learning_rat": 0.1})", base); }, "learning_rat");
  expect_error([&] { TrackerParams::from_json_string(R"({"learning_rate": "fast"})", base); }, "learning_rate");
  expect_error([&] { TrackerParams::from_json_string("{not json", base); }, "not valid JSON");
  expect_error([&] { TrackerParams::from_json_string(R"({"learning_rate": 2})", base); }, "learning_rate");
  expect_error([&] { TrackerParams::from_json_string(R"({"use_augmentation": 1})", base); }, "use_augmentation");
  expect_error([] { TrackerParams().apply_overrides({"learning_rate"}); }, "name=value");
  expect_error([] { TrackerParams().apply_overrides({"border_mode=sideways"}); }, "border_mode");
  expect_error([] { TrackerParams().apply_overrides({"geometry=opencv"}); }, "geometry = opencv is none of exact, pytracking, auto");
  expect_error([] { TrackerParams().apply_overrides({"geometry=pytracking", "border_mode=mean"}); },
               "no pytracking counterpart");
  EXPECT_EQ(TrackerParams().geometry, "exact");
  EXPECT_TRUE([] { TrackerParams p; p.apply_overrides({"geometry=pytracking"}); return p.pytracking_geometry(); }());
  expect_error([] { TrackerParams().apply_overrides({"network_precision=half"}); }, "network_precision");
  expect_error([&] { TrackerParams::from_json_file("/nonexistent.json", base); }, "/nonexistent.json");
}

// JSON numbers go into integer fields only when they are integers that fit: nothing is
// narrowed (15.7 and 4294967311 used to become 15, seed=-1 became 2^64 - 1).
TEST(TrackerParams, IntegersAreNeverNarrowed) {
  expect_error([] { TrackerParams().apply_overrides({"sample_memory_size=15.7"}); }, "sample_memory_size");
  expect_error([] { TrackerParams().apply_overrides({"sample_memory_size=4294967311"}); }, "fits 32 bits");
  expect_error([] { TrackerParams().apply_overrides({"seed=-1"}); }, "seed");
  expect_error([] { TrackerParams().apply_overrides({"seed=1.5"}); }, "seed");
  expect_error([] { TrackerParams().apply_overrides({"net_opt_iter=true"}); }, "net_opt_iter");
  TrackerParams p;
  p.apply_overrides({"seed=18446744073709551615"});
  EXPECT_EQ(p.seed, 18446744073709551615ull);
}

// Every numeric parameter is bounded from above (no value may hang a tracker or exhaust its
// memory): a huge value of each is refused naming it. Only the seed may take any value.
TEST(TrackerParams, EveryNumericParameterHasAnUpperBound) {
  const auto fields = nlohmann::json::parse(TrackerParams().to_json());
  int checked = 0;
  for (auto it = fields.begin(); it != fields.end(); ++it) {
    const auto& v = it.value();
    std::string huge;
    if (it.key() == "seed" || v.is_boolean() || v.is_string()) continue;
    if (v.is_number_integer()) huge = "2000000000";
    if (v.is_number_float()) huge = "1e12";
    if (v.is_array()) huge = !v.empty() && v[0].is_array() ? "[[1e12,1e12]]" : "[1e12]";
    ASSERT_FALSE(huge.empty()) << it.key();
    expect_error([&] { TrackerParams().apply_overrides({it.key() + "=" + huge}); }, it.key());
    ++checked;
  }
  EXPECT_GE(checked, 50);
}

// A partial file sets what it names; every other field keeps the variant's own value (not the
// generic defaults: the weight-free tracker lost a third of its AUC that way).
TEST(TrackerParams, APartialFileKeepsTheVariantsDefaults) {
  const std::string path = write_file("partial.json", R"({"_comment": "mine", "learning_rate": 0.03})");
  const TrackerParams p = resolve_params("weight-free", path);
  TrackerParams expected = default_params("weight-free");
  EXPECT_NE(expected.learning_rate, 0.03);
  EXPECT_NE(expected.to_json(), TrackerParams().to_json());
  expected.learning_rate = 0.03;
  EXPECT_EQ(p.to_json(), expected.to_json());
}

// Overrides are validated together, after all of them: their order does not matter, and the
// README's `--set scale_filter_scales=0` works on the weight-free variants (whose aspect filter
// then stays off with the scale filter).
TEST(TrackerParams, OverridesAreValidatedTogether) {
  EXPECT_NO_THROW(resolve_params("weight-free", "", {"scale_filter_scales=0"}));
  const auto a = resolve_params("dimp18", "", {"use_augmentation=false", "sample_memory_size=10"});
  const auto b = resolve_params("dimp18", "", {"sample_memory_size=10", "use_augmentation=false"});
  EXPECT_EQ(a.to_json(), b.to_json());
  expect_error([] { resolve_params("dimp18", "", {"sample_memory_size=10"}); }, "sample_memory_size");
}

// The first frame gives 15 samples (§3.7); with their weight floor they are never replaced, so
// the memory must hold one more. A memory of exactly 15 used to hand out slot 15 of 15 (a heap
// overflow); now it is refused, and 16 works.
TEST(TrackerParams, TheMemoryMustOutgrowTheFirstFramesSamples) {
  TrackerParams p = default_params("dimp18");
  EXPECT_EQ(p.first_frame_samples(), 15);
  p.sample_memory_size = 15;
  expect_error([&] { p.validate(); }, "cannot hold the first frame's 15 samples and a later one");
  p.sample_memory_size = 16;
  EXPECT_NO_THROW(p.validate());
  p.sample_memory_size = 15;
  p.init_samples_minimum_weight = 0;  // no floor: any sample may be replaced
  EXPECT_NO_THROW(p.validate());
  p.sample_memory_size = 14;
  expect_error([&] { p.validate(); }, "sample_memory_size");
}

TEST(TrackerParams, DeviceIsTheCpuOrACudaDevice) {
  TrackerParams p;
  for (const char* ok : {"cpu", "cuda", "cuda:0", "cuda:15"}) {
    p.device = ok;
    EXPECT_NO_THROW(p.validate()) << ok;
  }
  for (const char* bad : {"", "gpu", "CUDA", "cuda:", "cuda:-1", "cuda:1x", "cuda:100", "cpu:0", "mps"}) {
    p.device = bad;
    expect_error([&] { p.validate(); }, "device = " + std::string(bad));
  }
}

// Only the ResNet DiMP variants run on CUDA; a device that is not present is refused before
// the weights are read (the missing weights file is never opened).
TEST(TrackerRegistry, CudaWhereTheVariantAndTheDeviceAllowIt) {
  for (const auto& spec : tracker_specs()) {
    TrackerParams p = spec.default_params();
    p.device = "cuda";
    const bool resnet = spec.name.find("mobilenet") == std::string::npos && spec.needs_weights;
    EXPECT_EQ(spec.runs_on_cuda, resnet) << spec.name;
    if (!spec.runs_on_cuda) {
      expect_error([&] { make_tracker(spec.name, p, "missing.safetensors"); }, "runs on the CPU only (device = cuda); on CUDA: dimp18 dimp50");
    } else if (!at::hasCUDA()) {
      expect_error([&] { make_tracker(spec.name, p, "missing.safetensors"); }, "device 'cuda': no CUDA device here");
    } else {
      p.device = "cuda:99";
      expect_error([&] { make_tracker(spec.name, p, "missing.safetensors"); }, "CUDA device(s)");
    }
  }
}

// The readable parameter files shipped in dimp/params/ are the variants' defaults.
TEST(TrackerParams, ShippedParameterFilesEqualTheBuiltInDefaults) {
  auto root = testing::source_root();
  ASSERT_TRUE(root.has_value()) << "source checkout not found from the test";
  for (const auto& spec : tracker_specs()) {
    const std::string path = *root + "/dimp/params/" + spec.name + ".json";
    std::ifstream in(path);
    ASSERT_TRUE(in.good()) << "missing parameter file " << path;
    EXPECT_EQ(TrackerParams::from_json_file(path, TrackerParams{}).to_json(), spec.default_params().to_json()) << path;
  }
}

}  // namespace
}  // namespace dimp
