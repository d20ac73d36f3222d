#include "data/cv/image_io.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <fstream>

#include "bbox/patch_sampler.h"
#include "data/image_header.h"
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

// The header reader gives the size OpenCV's encoders write, for every format it knows.
TEST(ImageIo, HeaderSizesMatchTheEncodedImages) {
  cv::Mat img(37, 53, CV_8UC3, cv::Scalar(10, 20, 30));
  for (const std::string ext : {".png", ".jpg", ".bmp"}) {
    std::vector<uchar> buf;
    ASSERT_TRUE(cv::imencode(ext, img, buf)) << ext;
    auto size = image_size_from_header(std::string(buf.begin(), buf.end()));
    ASSERT_TRUE(size.has_value()) << ext;
    EXPECT_EQ(size->width, 53) << ext;
    EXPECT_EQ(size->height, 37) << ext;
  }
  EXPECT_FALSE(image_size_from_header("GIF89a...").has_value());
  EXPECT_FALSE(image_size_from_header("").has_value());
}

// A tiny file declaring a 20000 x 20000 image is refused by its header, before decoding (such a
// PNG of 389 KB decoded to 1.2 GB and took 6 GB downstream).
TEST(ImageIo, AnImageDeclaringTooManyPixelsIsRefusedUndecoded) {
  std::vector<uchar> buf;
  ASSERT_TRUE(cv::imencode(".png", cv::Mat(4, 4, CV_8UC3, cv::Scalar(0)), buf));
  std::string png(buf.begin(), buf.end());
  auto put32 = [&](size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) png[at + i] = static_cast<char>((v >> (24 - 8 * i)) & 0xff);
  };
  put32(16, 20000);
  put32(20, 20000);
  const std::string path = testing::temp_path("huge.png");
  std::ofstream(path, std::ios::binary) << png;
  try {
    load_image(path);
    ADD_FAILURE() << "decoded";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("20000x20000"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  const std::string text = testing::temp_path("not_an_image.jpg");
  std::ofstream(text) << "hello";
  EXPECT_THROW(load_image(text), DataError);
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
