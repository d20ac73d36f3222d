#include "data/cv/image_io.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "bbox/patch_sampler.h"
#include "data/sequence.h"
#include "tests/testing.h"

namespace dimp::data {
namespace {

TEST(ImageIo, MatTensorRoundTripKeepsPixelsAndSwapsChannels) {
  cv::Mat bgr(4, 5, CV_8UC3);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 5; ++x) bgr.at<cv::Vec3b>(y, x) = cv::Vec3b(x, y, 200);
  auto t = mat_to_tensor(bgr);
  ASSERT_EQ(t.sizes(), (at::IntArrayRef{3, 4, 5}));
  EXPECT_EQ(t[0][2][3].item<uint8_t>(), 200);  // R
  EXPECT_EQ(t[2][2][3].item<uint8_t>(), 3);    // B holds x
  cv::Mat back = tensor_to_mat(t);
  EXPECT_EQ(cv::norm(back, bgr, cv::NORM_INF), 0.0);
}

TEST(ImageIo, UnreadableFileNamesIt) {
  try {
    load_image("/nonexistent/frame.jpg");
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/frame.jpg"), std::string::npos);
  }
}

TEST(ImageIo, RealFrameSampledAroundItsGroundTruth) {
  DIMP_REQUIRE_DATA(root);
  auto seq = read_otb_sequence(root + "/otb/Crossing");
  auto img = load_image(seq.frames[0]);
  ASSERT_EQ(img.sizes(), (at::IntArrayRef{3, 240, 360}));
  const bbox::Box gt = seq.ground_truth[0];
  const double side = std::sqrt(gt.area()) * 5;
  auto s = bbox::sample_patch(img, {gt.cx(), gt.cy(), side, side}, {288, 288});
  ASSERT_EQ(s.patch.sizes(), (at::IntArrayRef{1, 3, 288, 288}));
  // The target sits at the patch centre, at 288/side pixels per image pixel.
  const bbox::Box in_patch = s.region.box_to_patch(gt);
  EXPECT_NEAR(in_patch.cx(), 144, 288 / side);
  EXPECT_NEAR(in_patch.w, gt.w * 288 / (s.region.x1 - s.region.x0), 1e-9);
  // The patch centre holds the frame's pixels there (bilinear, so compare a smooth average).
  const double patch_mean = s.patch[0].slice(1, 134, 154).slice(2, 134, 154).mean().item<double>();
  const int x0 = static_cast<int>(gt.cx()), y0 = static_cast<int>(gt.cy());
  const double img_mean = img.slice(1, y0 - 2, y0 + 2).slice(2, x0 - 2, x0 + 2).to(at::kFloat).mean().item<double>();
  EXPECT_NEAR(patch_mean, img_mean, 25.0);
}

}  // namespace
}  // namespace dimp::data
