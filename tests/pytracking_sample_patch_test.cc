// CropRule::kPytracking against pytracking's own sample_patch (cases recorded by
// tools/pytracking_parity/record_sample_patch.py): the same pixels and the same reported region,
// inside, across and beyond the borders, with and without pre-downsampling, in every border mode
// pytracking has.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bbox/patch_sampler.h"
#include "tests/testing.h"

namespace dimp::bbox {
namespace {

TEST(PytrackingSamplePatch, SamePixelsAndRegionAsPytracking) {
  const auto root = testing::source_root();
  ASSERT_TRUE(root);
  std::ifstream in(*root + "/tests/data/pytracking/sample_patch.json");
  ASSERT_TRUE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  const auto j = nlohmann::json::parse(ss.str());
  const int out = j.at("output").get<int>();
  const auto& cases = j.at("cases");
  ASSERT_GE(cases.size(), 40u);
  int predownsampled = 0, outside = 0;
  for (const auto& c : cases) {
    const int64_t H = c.at("height"), W = c.at("width");
    const double py = c.at("pos")[0], px = c.at("pos")[1], size = c.at("size");
    const std::string mode = c.at("mode");
    auto xs = at::arange(W, at::kFloat).view({1, W}).expand({H, W});
    auto ys = at::arange(H, at::kFloat).view({H, 1}).expand({H, W});
    const auto image = at::stack({xs, ys, at::zeros({H, W})}).contiguous();
    PatchSamplerOptions o;
    o.crop = CropRule::kPytracking;
    o.border = mode == "replicate" ? BorderMode::kReplicate
               : mode == "constant" ? BorderMode::kZero
               : mode == "inside"   ? BorderMode::kInside
                                    : BorderMode::kInsideMajor;
    if (!c.at("max_scale_change").is_null()) o.max_scale_change = c.at("max_scale_change").get<double>();
    const std::string what = mode + " pos (" + std::to_string(py) + ", " + std::to_string(px) + ") size " +
                             std::to_string(size) + " image " + std::to_string(H) + "x" + std::to_string(W);
    // Our centre is pytracking's position + 0.5 (pixel (i, j) covers [i, i+1) x [j, j+1)).
    const auto s = sample_patch(image, {px + 0.5, py + 0.5, size, size}, {out, out}, o);
    const auto& coord = c.at("coord");
    EXPECT_DOUBLE_EQ(s.region.y0, coord[0].get<double>()) << what;
    EXPECT_DOUBLE_EQ(s.region.x0, coord[1].get<double>()) << what;
    EXPECT_DOUBLE_EQ(s.region.y1, coord[2].get<double>()) << what;
    EXPECT_DOUBLE_EQ(s.region.x1, coord[3].get<double>()) << what;
    const auto expected = at::tensor(c.at("patch").get<std::vector<float>>()).view({2, out, out});
    const auto ours = s.patch[0].narrow(0, 0, 2);
    EXPECT_TRUE(at::allclose(ours, expected, 0, 1e-3)) << what << ": max difference "
                                                        << (ours - expected).abs().max().item<float>();
    predownsampled += (s.region.x1 - s.region.x0) / out >= 2.1;
    outside += coord[0].get<double>() < 0 || coord[1].get<double>() < 0 || coord[2].get<double>() > H ||
               coord[3].get<double>() > W;
  }
  EXPECT_GT(predownsampled, 5) << "cases with pre-downsampling";
  EXPECT_GT(outside, 10) << "cases reaching beyond the image";
}

}  // namespace
}  // namespace dimp::bbox
