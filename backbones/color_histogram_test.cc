#include "backbones/color_histogram.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "backbones/handcrafted_features.h"

namespace dimp::backbones {
namespace {

// A (1, 3, size, size) patch filled with `rgb`.
at::Tensor flat(int64_t size, float r, float g, float b) {
  return at::tensor({r, g, b}, at::kFloat).view({1, 3, 1, 1}).expand({1, 3, size, size}).contiguous();
}

void paint(at::Tensor& patch, int64_t y0, int64_t y1, int64_t x0, int64_t x1, float r, float g, float b) {
  auto region = patch.narrow(2, y0, y1 - y0).narrow(3, x0, x1 - x0);
  region.copy_(at::tensor({r, g, b}, at::kFloat).view({1, 3, 1, 1}).expand_as(region));
}

at::Tensor box(double x, double y, double w, double h) { return at::tensor({x, y, w, h}, at::kDouble); }

float at_pixel(const at::Tensor& likelihood, int64_t y, int64_t x) { return likelihood[0][0][y][x].item<float>(); }

// A red target on a blue background, half its pixels green, and green also covering a tenth of
// the background: P(target | colour) is the ratio of the two regions' colour densities.
TEST(ColorHistogram, LikelihoodIsTheRatioOfTheRegionsColourDensities) {
  auto patch = flat(40, 20, 20, 230);        // blue background
  paint(patch, 10, 30, 10, 30, 230, 20, 20);  // 20x20 red target
  paint(patch, 10, 20, 10, 30, 20, 230, 20);  // its top half green
  paint(patch, 0, 4, 0, 30, 20, 230, 20);     // 120 green background pixels
  ColorHistogram h(16);
  h.fit(patch, box(10, 10, 20, 20));
  auto p = h.likelihood(patch);
  ASSERT_EQ(p.sizes(), (at::IntArrayRef{1, 1, 40, 40}));
  const double fg = 400, bg = 1600 - 400;
  EXPECT_FLOAT_EQ(at_pixel(p, 25, 20), 1.0f);  // red: target only
  EXPECT_FLOAT_EQ(at_pixel(p, 35, 35), 0.0f);  // blue: background only
  const double green_fg = 200 / fg, green_bg = 120 / bg;
  EXPECT_NEAR(at_pixel(p, 15, 20), green_fg / (green_fg + green_bg), 1e-6);
  EXPECT_NEAR(at_pixel(p, 2, 5), green_fg / (green_fg + green_bg), 1e-6);
  // A colour seen in neither region: no evidence either way.
  EXPECT_FLOAT_EQ(at_pixel(h.likelihood(flat(8, 250, 250, 250)), 3, 3), 0.5f);
}

TEST(ColorHistogram, ColoursInOneBinShareTheirLikelihood) {
  auto patch = flat(32, 100, 100, 100);
  paint(patch, 8, 24, 8, 24, 200, 40, 40);
  ColorHistogram h(8);  // bins of 32 levels
  h.fit(patch, box(8, 8, 16, 16));
  EXPECT_FLOAT_EQ(at_pixel(h.likelihood(flat(2, 223, 63, 32)), 0, 0), 1.0f);   // same bin as (200, 40, 40)
  EXPECT_FLOAT_EQ(at_pixel(h.likelihood(flat(2, 224, 40, 40)), 0, 0), 0.5f);   // next red bin: unseen
  EXPECT_FLOAT_EQ(at_pixel(h.likelihood(flat(2, 96, 127, 100)), 0, 0), 0.0f);  // the background's bin
}

// The fused CPU pass and the tensor formulation (used off the CPU) give the same cell means.
TEST(ColorHistogram, CellLikelihoodIsTheCellMeanOfThePixelLikelihood) {
  at::manual_seed(3);
  auto patch = at::rand({1, 3, 48, 48}) * 255;
  ColorHistogram h(16);
  h.fit(patch, box(12.5, 9, 20, 27));
  auto batch = at::rand({3, 3, 48, 64}) * 255;
  auto fused = h.cell_likelihood(batch, 4);
  ASSERT_EQ(fused.sizes(), (at::IntArrayRef{3, 1, 12, 16}));
  EXPECT_TRUE(at::allclose(fused, at::avg_pool2d(h.likelihood(batch), {4, 4}, {4, 4}), 1e-5, 1e-6));
}

void expect_error(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one naming " << needle;
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(ColorHistogram, BadInputIsRejectedByName) {
  ColorHistogram h(16);
  auto patch = flat(16, 10, 20, 30);
  expect_error([&] { h.likelihood(patch); }, "fit()");
  expect_error([&] { h.fit(patch, box(40, 40, 5, 5)); }, "covers no pixel");
  expect_error([&] { h.fit(patch, box(2, 2, -1, 5)); }, "positive size");
  expect_error([&] { h.fit(patch, at::zeros({3})); }, "(x, y, w, h)");
  expect_error([&] { h.fit(at::zeros({2, 3, 16, 16}), box(2, 2, 4, 4)); }, "one patch");
  h.fit(patch, box(2, 2, 4, 4));
  expect_error([&] { h.cell_likelihood(flat(18, 1, 2, 3), 4); }, "multiple of the cell size");
  expect_error([&] { h.likelihood(at::zeros({1, 1, 8, 8})); }, "(B, 3, H, W)");
  expect_error([] { ColorHistogram(1); }, "bins per channel");
}

// In the hand-crafted features: one more channel, fitted by adapt_to_target; where the target's
// colour lies, the channel is highest.
TEST(ColorHistogram, HandcraftedFeaturesCarryItAsOneChannel) {
  HandcraftedFeaturesOptions o{4, 9, true};
  o.color_histogram_bins = 16;
  HandcraftedFeatures f(o);
  EXPECT_EQ(f.channels(), 18 + 9 + 1 + 3 + 1);
  auto patch = flat(32, 30, 120, 30);
  paint(patch, 8, 16, 8, 16, 200, 60, 200);
  expect_error([&] { f.extract(patch); }, "adapt_to_target");
  f.adapt_to_target(patch, box(8, 8, 8, 8));
  auto target_elsewhere = flat(32, 30, 120, 30);
  paint(target_elsewhere, 20, 28, 4, 12, 200, 60, 200);
  auto x = f.extract(target_elsewhere).classification;
  ASSERT_EQ(x.sizes(), (at::IntArrayRef{1, 32, 8, 8}));
  auto colour = x[0][31];
  EXPECT_EQ(colour.argmax().item<int64_t>() / 8, 5);  // cell row of y in [20, 28)
  EXPECT_GT(colour[5][1].item<float>(), colour[1][6].item<float>() + 0.5f);
}

}  // namespace
}  // namespace dimp::backbones
