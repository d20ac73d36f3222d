#include "bbox/patch_sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace dimp::bbox {
namespace {

// A float image whose channel 0 holds each pixel's column index and channel 1 its row index,
// so a patch's values say exactly where they were sampled from.
at::Tensor coordinate_image(int64_t h, int64_t w) {
  auto xs = at::arange(w, at::kFloat).view({1, w}).expand({h, w});
  auto ys = at::arange(h, at::kFloat).view({h, 1}).expand({h, w});
  return at::stack({xs, ys}, 0).contiguous();  // (2, H, W)
}

// For a linear ramp, bilinear resampling is exact: patch pixel p (0-based) holds the pixel
// index x0 + (p + 0.5)·scale − 0.5, clamped where the crop or the image ends (replicate).
// crop_lo/hi: first and last crop pixel centre; image_hi: last image pixel.
void expect_ramp(const at::Tensor& channel, const PatchRegion& r, bool along_x, double crop_lo,
                 double crop_hi, double image_hi, double tol) {
  auto c = channel.contiguous();
  const int n = along_x ? r.out_w : r.out_h;
  const double scale = along_x ? r.scale_x() : r.scale_y();
  const double origin = along_x ? r.x0 : r.y0;
  for (int p = 0; p < n; ++p) {
    const double in_crop = std::clamp(origin + (p + 0.5) * scale - 0.5, crop_lo, crop_hi);
    const double expected = std::clamp(in_crop, 0.0, image_hi);
    const float got = c[p].item<float>();
    ASSERT_NEAR(got, expected, tol) << (along_x ? "x" : "y") << " p=" << p;
  }
}

struct Case {
  double cx, cy, side;
  int out;
};

class PatchSamplerRamp : public ::testing::TestWithParam<Case> {};

TEST_P(PatchSamplerRamp, ValuesMatchTheReportedRegionIncludingBeyondBorders) {
  const Case k = GetParam();
  const int64_t H = 120, W = 160;
  auto img = coordinate_image(H, W);
  PatchSamplerOptions opt;
  opt.predownsample = false;
  auto s = sample_patch(img, {k.cx, k.cy, k.side, k.side}, {k.out, k.out}, opt);
  ASSERT_EQ(s.patch.sizes(), (at::IntArrayRef{1, 2, k.out, k.out}));
  const PatchRegion& r = s.region;
  // The crop is the requested one, aligned to whole pixels.
  EXPECT_NEAR(r.center_x(), k.cx, 0.5 + 1e-9);
  EXPECT_NEAR(r.center_y(), k.cy, 0.5 + 1e-9);
  EXPECT_NEAR(r.x1 - r.x0, std::max(2.0, std::round(k.side)), 1e-9);
  // Row 0..out of channel 0 vary along x; columns of channel 1 along y.
  const double crop_lo_x = r.x0, crop_hi_x = r.x1 - 1;
  const double crop_lo_y = r.y0, crop_hi_y = r.y1 - 1;
  for (int row : {0, k.out / 2, k.out - 1}) {
    expect_ramp(s.patch[0][0][row], r, true, crop_lo_x, crop_hi_x, W - 1, 2e-3);
  }
  for (int col : {0, k.out / 3, k.out - 1}) {
    expect_ramp(s.patch[0][1].select(1, col), r, false, crop_lo_y, crop_hi_y, H - 1, 2e-3);
  }
}

INSTANTIATE_TEST_SUITE_P(
    ScalesAndBorders, PatchSamplerRamp,
    ::testing::Values(Case{80, 60, 50, 50},      // scale 1, inside
                      Case{80.3, 59.6, 50, 100},  // upscale x2
                      Case{80, 60, 100, 37},     // downscale ~x2.7
                      Case{5, 7, 60, 48},        // beyond the top-left corner
                      Case{150, 115, 40, 64},    // beyond the bottom-right corner
                      Case{-30, 60, 30, 30},     // entirely left of the image
                      Case{80, 60, 400, 96}));   // larger than the image on all sides

TEST(PatchSampler, ScaleOneInsideIsAnExactCrop) {
  auto img = coordinate_image(50, 70);
  auto s = sample_patch(img, {30, 20, 10, 8}, {10, 8});
  EXPECT_DOUBLE_EQ(s.region.x0, 25);
  EXPECT_DOUBLE_EQ(s.region.y0, 16);
  EXPECT_TRUE(at::equal(s.patch[0], img.slice(1, 16, 24).slice(2, 25, 35)));
  // The whole float image at its own size is a copy: writing the patch leaves the image alone.
  auto whole = sample_patch(img, {35, 25, 70, 50}, {70, 50});
  ASSERT_TRUE(at::equal(whole.patch[0], img));
  whole.patch.zero_();
  EXPECT_GT(img.abs().sum().item<double>(), 0);
}

TEST(PatchSampler, PredownsampledPatchStillMatchesItsRegion) {
  const int64_t H = 300, W = 400;
  auto img = coordinate_image(H, W);
  for (double side : {120.0, 190.0, 260.0}) {
    auto s = sample_patch(img, {200.4, 150.7, side, side}, {50, 50});  // df = 2, 3, 5
    const PatchRegion& r = s.region;
    EXPECT_NEAR(r.center_x(), 200.4, 0.5 * std::floor(side / 50 - 0.1) + 0.5);
    // Interior pixels (away from the crop edge) follow the ramp exactly.
    auto row = s.patch[0][0][25];
    for (int p = 3; p < 47; ++p) {
      EXPECT_NEAR(row[p].item<float>(), r.x0 + (p + 0.5) * r.scale_x() - 0.5, 2e-3) << side;
    }
    auto col = s.patch[0][1].select(1, 25);
    for (int p = 3; p < 47; ++p) {
      EXPECT_NEAR(col[p].item<float>(), r.y0 + (p + 0.5) * r.scale_y() - 0.5, 2e-3) << side;
    }
  }
}

TEST(PatchSampler, MeanAndZeroBordersFillOutsidePixels) {
  auto img = coordinate_image(40, 40);
  PatchSamplerOptions opt;
  opt.border = BorderMode::kZero;
  // Crop [-10, 10) x [10, 30): left half outside.
  auto z = sample_patch(img, {0, 20, 20, 20}, {20, 20}, opt);
  EXPECT_TRUE(at::equal(z.patch[0].slice(2, 0, 10), at::zeros({2, 20, 10})));
  EXPECT_TRUE(at::equal(z.patch[0].slice(2, 10, 20), img.slice(1, 10, 30).slice(2, 0, 10)));
  opt.border = BorderMode::kMean;
  auto m = sample_patch(img, {0, 20, 20, 20}, {20, 20}, opt);
  // Visible columns 0..9 average 4.5; visible rows 10..29 average 19.5.
  EXPECT_TRUE(at::allclose(m.patch[0][0].slice(1, 0, 10), at::full({20, 10}, 4.5f)));
  EXPECT_TRUE(at::allclose(m.patch[0][1].slice(1, 0, 10), at::full({20, 10}, 19.5f)));
}

TEST(PatchSampler, InsideModeShiftsAndShrinksTheRegionIntoTheImage) {
  auto img = coordinate_image(100, 200);
  PatchSamplerOptions opt;
  opt.border = BorderMode::kInside;
  opt.predownsample = false;  // whole-pixel regions, so sizes compare exactly
  auto a = sample_patch(img, {10, 90, 60, 60}, {30, 30}, opt);  // shifted, same size
  EXPECT_DOUBLE_EQ(a.region.x0, 0);
  EXPECT_DOUBLE_EQ(a.region.y1, 100);
  EXPECT_DOUBLE_EQ(a.region.x1 - a.region.x0, 60);
  auto b = sample_patch(img, {100, 50, 300, 300}, {30, 30}, opt);  // shrunk by 3 to 100 x 100
  EXPECT_GE(b.region.x0, 0);
  EXPECT_LE(b.region.x1, 200);
  EXPECT_DOUBLE_EQ(b.region.y0, 0);
  EXPECT_DOUBLE_EQ(b.region.y1, 100);
  opt.max_scale_change = 1.5;  // may shrink only to 200 x 200: centred, overhanging rows
  auto c = sample_patch(img, {100, 50, 300, 300}, {30, 30}, opt);
  EXPECT_DOUBLE_EQ(c.region.x1 - c.region.x0, 200);
  EXPECT_DOUBLE_EQ(c.region.y0, -50);
}

TEST(PatchSampler, Uint8ImagesGiveTheSamePatchAsFloat) {
  auto img = (coordinate_image(60, 80) * 3).remainder(256);
  auto u8 = img.to(at::kByte);
  for (double side : {30.0, 75.0, 200.0}) {
    auto a = sample_patch(img, {40, 30, side, side}, {32, 32});
    auto b = sample_patch(u8, {40, 30, side, side}, {32, 32});
    EXPECT_TRUE(at::allclose(a.patch, b.patch)) << side;
    EXPECT_EQ(b.patch.scalar_type(), at::kFloat);
  }
}

TEST(PatchSampler, MultiScaleStacksPatchesOfEachScale) {
  auto img = coordinate_image(100, 100);
  auto m = sample_patches_multiscale(img, {50, 50, 40, 40}, {0.5, 1.0, 2.0}, {16, 16});
  ASSERT_EQ(m.patches.sizes(), (at::IntArrayRef{3, 2, 16, 16}));
  EXPECT_NEAR(m.regions[0].x1 - m.regions[0].x0, 20, 1e-9);
  EXPECT_NEAR(m.regions[2].x1 - m.regions[2].x0, 80, 1e-9);
}

// A crop whose exact start falls on a half pixel starts half a pixel later wherever it lies:
// before, inside or at the image's edge (llround sent -15.5 to -16 but 15.5 to 16, so crops
// starting outside the image landed a pixel further out). The pixels follow the region.
TEST(PatchSampler, HalfPixelStartsRoundTheSameWayInsideAndOutsideTheImage) {
  auto img = coordinate_image(40, 100);
  PatchSamplerOptions opt;
  opt.predownsample = false;
  for (double start : {-15.5, -0.5, 0.0, 0.5, 15.5}) {
    const double cx = start + 5;  // a 10-pixel crop
    auto s = sample_patch(img, {cx, 20, 10, 10}, {10, 10}, opt);
    const double expected = std::floor(start + 0.5);
    EXPECT_DOUBLE_EQ(s.region.x0, expected) << start;
    EXPECT_DOUBLE_EQ(s.region.x0 - start, start == 0.0 ? 0.0 : 0.5) << start;
    for (int p = 0; p < 10; ++p) {
      EXPECT_FLOAT_EQ(s.patch[0][0][5][p].item<float>(), std::clamp(expected + p, 0.0, 99.0)) << start << " " << p;
    }
  }
}

TEST(PatchSampler, RegionMapsBoxesBothWays) {
  PatchRegion r{10, 20, 110, 70, 50, 25};
  const Box b{30, 40, 20, 10};
  const Box p = r.box_to_patch(b);
  EXPECT_DOUBLE_EQ(p.x, 10);
  EXPECT_DOUBLE_EQ(p.w, 10);
  const Box back = r.box_to_image(p);
  EXPECT_NEAR(back.x, b.x, 1e-12);
  EXPECT_NEAR(back.h, b.h, 1e-12);
}

TEST(PatchSampler, BadInputGivesClearErrors) {
  auto img = coordinate_image(10, 10);
  EXPECT_THROW(sample_patch(img, {5, 5, 0, 4}, {8, 8}), std::invalid_argument);
  EXPECT_THROW(sample_patch(img, {5, 5, -3, 4}, {8, 8}), std::invalid_argument);
  EXPECT_THROW(sample_patch(img, {NAN, 5, 3, 4}, {8, 8}), std::invalid_argument);
  EXPECT_THROW(sample_patch(img, {5, 5, 3, 4}, {0, 8}), std::invalid_argument);
  EXPECT_THROW(sample_patch(at::zeros({3, 0, 10}), {5, 5, 3, 4}, {8, 8}), std::invalid_argument);
  EXPECT_THROW(sample_patch(at::zeros({10, 10}), {5, 5, 3, 4}, {8, 8}), std::invalid_argument);
  try {
    sample_patch(img, {5, 5, -3, 4}, {8, 8});
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("positive size"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dimp::bbox
