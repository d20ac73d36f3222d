#include "bbox/box.h"

#include <gtest/gtest.h>

#include <random>

#include "bbox/box_tensor.h"

namespace dimp::bbox {
namespace {

TEST(Box, ConversionsRoundTrip) {
  const Box b{10, 20, 30, 40};
  const CenterBox c = to_center(b);
  EXPECT_DOUBLE_EQ(c.cx, 25);
  EXPECT_DOUBLE_EQ(c.cy, 40);
  EXPECT_EQ(from_center(c), b);
  const Corners k = to_corners(b);
  EXPECT_DOUBLE_EQ(k.x1, 40);
  EXPECT_DOUBLE_EQ(k.y1, 60);
  EXPECT_EQ(from_corners(k), b);
}

TEST(Box, IoUHandComputedCases) {
  const Box a{0, 0, 10, 10};
  EXPECT_DOUBLE_EQ(iou(a, a), 1.0);                           // identical
  EXPECT_DOUBLE_EQ(iou(a, {2, 2, 5, 5}), 25.0 / 100.0);       // nested: inner / outer
  EXPECT_DOUBLE_EQ(iou(a, {20, 20, 5, 5}), 0.0);              // disjoint
  EXPECT_DOUBLE_EQ(iou(a, {10, 0, 10, 10}), 0.0);             // touching along an edge
  EXPECT_DOUBLE_EQ(iou(a, {10, 10, 3, 3}), 0.0);              // touching at a corner
  EXPECT_DOUBLE_EQ(iou(a, {5, 0, 10, 10}), 50.0 / 150.0);     // half shifted
  EXPECT_DOUBLE_EQ(iou(a, {5, 5, 10, 10}), 25.0 / 175.0);     // diagonal overlap
  EXPECT_DOUBLE_EQ(iou({0, 0, 4, 2}, {1, -1, 2, 4}), 4.0 / 12.0);  // cross shape
}

TEST(Box, IoUOfInvalidBoxesIsZero) {
  const Box a{0, 0, 10, 10};
  EXPECT_EQ(iou(a, {0, 0, 0, 10}), 0.0);
  EXPECT_EQ(iou(a, {0, 0, -5, 10}), 0.0);
  EXPECT_EQ(iou(a, {0, 0, NAN, 10}), 0.0);
}

TEST(Box, CenterDistanceAndClip) {
  EXPECT_DOUBLE_EQ(center_distance({0, 0, 2, 2}, {3, 4, 2, 2}), 5.0);
  const Box c = clip_to_image({-5, 90, 20, 20}, 100, 100);
  EXPECT_EQ(c, (Box{0, 90, 15, 10}));
}

TEST(BoxTensor, ConversionsMatchScalar) {
  auto t = at::tensor({10., 20., 30., 40.}).view({1, 4});
  auto xyxy = xywh_to_xyxy(t);
  EXPECT_TRUE(at::allclose(xyxy, at::tensor({10., 20., 40., 60.}).view({1, 4})));
  EXPECT_TRUE(at::allclose(xyxy_to_xywh(xyxy), t));
  auto c = xywh_to_cxcywh(t);
  EXPECT_TRUE(at::allclose(c, at::tensor({25., 40., 30., 40.}).view({1, 4})));
  EXPECT_TRUE(at::allclose(cxcywh_to_xywh(c), t));
}

TEST(BoxTensor, BatchedIoUEqualsScalarIoU) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> pos(-20, 20), size(-2, 30);
  const int n = 500;
  auto a = at::empty({n, 4}, at::kDouble), b = at::empty({n, 4}, at::kDouble);
  std::vector<double> expected;
  for (int i = 0; i < n; ++i) {
    Box ba{pos(rng), pos(rng), size(rng), size(rng)}, bb{pos(rng), pos(rng), size(rng), size(rng)};
    a[i] = to_tensor(ba, at::kDouble);
    b[i] = to_tensor(bb, at::kDouble);
    expected.push_back(iou(ba, bb));
  }
  auto got = iou_xywh(a, b);
  for (int i = 0; i < n; ++i) EXPECT_NEAR(got[i].item<double>(), expected[i], 1e-12) << i;
  auto pw = pairwise_iou_xywh(a.narrow(0, 0, 7), b.narrow(0, 0, 5));
  ASSERT_EQ(pw.sizes(), (at::IntArrayRef{7, 5}));
  EXPECT_NEAR(pw[3][2].item<double>(), iou(box_from_tensor(a[3]), box_from_tensor(b[2])), 1e-12);
}

TEST(BoxTensor, RejectsWrongShapes) {
  EXPECT_THROW(iou_xywh(at::zeros({3, 3}), at::zeros({3, 4})), c10::Error);
  EXPECT_THROW(xywh_to_xyxy(at::zeros({4}, at::kLong)), c10::Error);
}

}  // namespace
}  // namespace dimp::bbox
