#include "dimp/augmentation.h"

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstring>

namespace dimp {
namespace {

at::Tensor ramp_image(int64_t h, int64_t w) {
  auto xs = at::arange(w, at::kFloat).view({1, 1, w}).expand({1, h, w});
  auto ys = at::arange(h, at::kFloat).view({1, h, 1}).expand({1, h, w});
  return at::cat({xs, ys, at::full({1, h, w}, 50.f)}, 0).contiguous();
}

TEST(Augmentation, DefaultParametersGiveThirteenPatchesWithTheirBoxes) {
  TrackerParams p;
  p.image_sample_size = 64;
  std::mt19937_64 rng(1);
  const bbox::Box target{90, 70, 20, 20};
  auto aug = augment_first_frame(ramp_image(200, 240), target, 100.0, p, rng);
  ASSERT_EQ(aug.patches.sizes(), (at::IntArrayRef{13, 3, 64, 64}));
  ASSERT_EQ(aug.boxes.sizes(), (at::IntArrayRef{13, 4}));
  // Sample 0: the target centred in the patch, at 64/100 patch pixels per image pixel.
  EXPECT_NEAR(aug.boxes[0][0].item<float>() + aug.boxes[0][2].item<float>() / 2, 32, 0.7);
  EXPECT_NEAR(aug.boxes[0][2].item<float>(), 20 * 64 / 100.0, 0.2);
  // The first shift moves the content by (+0.6, +0.6) x S/2 = 19 pixels.
  EXPECT_NEAR(aug.boxes[1][0].item<float>() - aug.boxes[0][0].item<float>(), 19, 1e-5);
  // The patch content moved with the box: the ramp's x value at the box centre is the same.
  auto centre_x = [&](int i) {
    const int cx = static_cast<int>(aug.boxes[i][0].item<float>() + aug.boxes[i][2].item<float>() / 2);
    const int cy = static_cast<int>(aug.boxes[i][1].item<float>() + aug.boxes[i][3].item<float>() / 2);
    return aug.patches[i][0][cy][cx].item<float>();
  };
  EXPECT_NEAR(centre_x(1), centre_x(0), 2.0);
  // Region of sample 0 maps the target box back to the image.
  const bbox::Box back = aug.region.box_to_image({aug.boxes[0][0].item<float>(), aug.boxes[0][1].item<float>(),
                                                  aug.boxes[0][2].item<float>(), aug.boxes[0][3].item<float>()});
  EXPECT_NEAR(back.cx(), target.cx(), 1.0);
  EXPECT_NEAR(back.w, target.w, 0.5);
}

TEST(Augmentation, WithoutAugmentationThereIsOneSample) {
  TrackerParams p;
  p.image_sample_size = 32;
  p.use_augmentation = false;
  std::mt19937_64 rng(1);
  auto aug = augment_first_frame(ramp_image(100, 100), {40, 40, 10, 10}, 50.0, p, rng);
  EXPECT_EQ(aug.patches.size(0), 1);
  EXPECT_THROW(augment_first_frame(ramp_image(100, 100), {40, 40, 0, 10}, 50.0, p, rng), std::invalid_argument);
}

TEST(Augmentation, TransformsDoWhatTheirNamesSay) {
  auto img = ramp_image(33, 33).unsqueeze(0);
  // Blur keeps constants (and, away from borders, linear ramps).
  auto blurred = gaussian_blur(img, 2, 1);
  EXPECT_TRUE(at::allclose(blurred[0][2], img[0][2]));
  EXPECT_NEAR(blurred[0][0][16][16].item<float>(), 16.f, 1e-3);
  // Rotation by 0 is the identity; by 90 degrees x becomes y.
  EXPECT_TRUE(at::allclose(rotate_patch(img, 0), img, 1e-4, 1e-4));
  auto r = rotate_patch(img, 90);
  // Output (x, y) samples input (y', ...) with x_in = y_out about the centre: row 10 holds x = 10.
  EXPECT_NEAR(r[0][0][10][16].item<float>(), 10.f, 1e-2);
  EXPECT_NEAR(r[0][0][22][16].item<float>(), 22.f, 1e-2);
  // crop_shifted: content moves by +dx.
  auto c = crop_shifted(img, 9, 3, 0);
  EXPECT_EQ(c[0][0][0][3].item<float>(), img[0][0][0][12].item<float>());
}

// The rotation of pytracking's augmentation is OpenCV's warpAffine of [R, c - R c]: ours gives
// its pixels bit for bit (a textured float patch, the angles pytracking uses and odd ones).
TEST(Augmentation, OpenCvRotationMatchesWarpAffineBitForBit) {
  at::manual_seed(4);
  const int64_t n = 61;
  auto patch = (at::rand({1, 3, n, n}) * 255).round() + at::rand({1, 3, n, n});
  cv::Mat hwc(static_cast<int>(n), static_cast<int>(n), CV_32FC3);
  auto chw = patch[0].permute({1, 2, 0}).contiguous();
  std::memcpy(hwc.data, chw.data_ptr<float>(), sizeof(float) * 3 * n * n);
  for (double angle : {10.0, -10.0, 45.0, -45.0, 0.0, 90.0, 33.3}) {
    const double a = M_PI * angle / 180, c = (n - 1) / 2.0;
    cv::Mat m = (cv::Mat_<double>(2, 3) << std::cos(a), std::sin(a), c - (std::cos(a) * c + std::sin(a) * c),
                 -std::sin(a), std::cos(a), c - (-std::sin(a) * c + std::cos(a) * c));
    cv::Mat expected;
    cv::warpAffine(hwc, expected, m, hwc.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    auto ours = rotate_patch_opencv(patch, angle)[0].permute({1, 2, 0}).contiguous();
    const auto theirs = at::from_blob(expected.data, {n, n, 3}, at::kFloat);
    EXPECT_TRUE(at::equal(ours, theirs)) << angle << ": max difference " << (ours - theirs).abs().max().item<float>();
  }
  // Positive angles turn the content counter-clockwise on screen: a point right of the centre
  // moves up (our grid_sample rotation turns it the other way).
  auto dot = at::zeros({1, 1, n, n});
  dot[0][0][30][45] = 1;
  const auto turned = rotate_patch_opencv(dot, 90);
  EXPECT_GT(turned[0][0][15][30].item<float>(), 0.9f);
  EXPECT_GT(rotate_patch(dot, 90)[0][0][45][30].item<float>(), 0.9f);
}

// pytracking blurs with zero padding (the border darkens), we replicate; inside both agree.
TEST(Augmentation, BlurBordersZeroOrReplicate) {
  auto flat = at::full({1, 1, 20, 20}, 10.f);
  const auto zero = gaussian_blur(flat, 2, 1, BlurBorder::kZero), rep = gaussian_blur(flat, 2, 1);
  EXPECT_TRUE(at::allclose(rep, flat));
  EXPECT_LT(zero[0][0][0][10].item<float>(), 9.f);
  EXPECT_NEAR(zero[0][0][10][10].item<float>(), 10.f, 1e-4);
}

// geometry pytracking: pytracking's first-frame samples: the patch centred on the rounded
// position (halves to even), boxes of the nominal patch, the flipped sample's box not mirrored.
TEST(Augmentation, PytrackingGeometryUsesTheNominalPatchAndKeepsTheFlippedBox) {
  TrackerParams p;
  p.image_sample_size = 64;
  p.geometry = "pytracking";
  p.random_shift_factor = 0;
  std::mt19937_64 rng(1);
  // Centre (100.5, 70.5) in our coordinates: pytracking's position (100, 70), already whole.
  const bbox::Box target{90.5, 60.5, 20, 20};
  auto aug = augment_first_frame(ramp_image(200, 240), target, 100.0, p, rng);
  ASSERT_EQ(aug.patches.size(0), 13);
  // The nominal region: centred on the rounded position, exactly 100 pixels wide.
  EXPECT_DOUBLE_EQ(aug.region.center_x(), 100.5);
  EXPECT_DOUBLE_EQ(aug.region.x1 - aug.region.x0, 100.0);
  // Box 0: the target in that region, in pytracking's numbers ((pos - rpos)/s + (S-1)/2 - (w/s - 1)/2).
  EXPECT_NEAR(aug.boxes[0][0].item<float>(), 0 + 31.5 - (20 * 0.64 - 1) / 2, 1e-5);
  EXPECT_NEAR(aug.boxes[0][2].item<float>(), 20 * 0.64, 1e-5);
  // pytracking's position (our centre - 0.5) rounds halves to even: 105.5 -> 106, 104.5 -> 104.
  auto centre_after = [&](const bbox::Box& b) { return augment_first_frame(ramp_image(200, 240), b, 100.0, p, rng).region.center_x(); };
  EXPECT_DOUBLE_EQ(centre_after({95.5, 60.5, 21, 20}), 106.5);  // position 105.5
  EXPECT_DOUBLE_EQ(centre_after({95.0, 60.5, 22, 20}), 106.5);  // position 105.5
  EXPECT_DOUBLE_EQ(centre_after({95.0, 60.5, 20, 20}), 104.5);  // position 104.5
  EXPECT_DOUBLE_EQ(centre_after({95.0, 60.5, 21, 20}), 105.5);  // position 105
  // The flipped sample (after the 4 shifts) keeps box 0; our exact geometry mirrors it.
  EXPECT_TRUE(at::equal(aug.boxes[5], aug.boxes[0]));
  TrackerParams exact = p;
  exact.geometry = "exact";
  auto ex = augment_first_frame(ramp_image(200, 240), {90.0, 60.0, 21, 20}, 100.0, exact, rng);
  EXPECT_NEAR(ex.boxes[5][0].item<float>(), 64 - ex.boxes[0][0].item<float>() - ex.boxes[0][2].item<float>(), 1e-4);
}

TEST(Augmentation, DropoutZeroesWholeChannelsAndRescales) {
  std::mt19937_64 rng(3);
  auto x = at::ones({4, 64, 5, 5});
  auto d = augment_dropout(x, 2, 0.5, rng);
  ASSERT_EQ(d.sizes(), (at::IntArrayRef{2, 64, 5, 5}));
  auto per_channel = d.amax({2, 3});
  EXPECT_TRUE(at::equal(per_channel, d.amin({2, 3})));  // whole channels
  const double dropped = (per_channel == 0).sum().item<double>() / 128.0;
  EXPECT_GT(dropped, 0.3);
  EXPECT_LT(dropped, 0.7);
  EXPECT_TRUE(((per_channel == 0) | (per_channel == 2)).all().item<bool>());
}

}  // namespace
}  // namespace dimp
