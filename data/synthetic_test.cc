#include "data/synthetic.h"

#include <gtest/gtest.h>

namespace dimp::data {
namespace {

TEST(Synthetic, FramesAndGroundTruthAreConsistentAndSeeded) {
  SyntheticOptions o;
  o.frames = 40;
  auto a = make_synthetic_sequence(o);
  ASSERT_EQ(a.frames.size(), 40u);
  ASSERT_EQ(a.ground_truth.size(), 40u);
  EXPECT_EQ(a.frames[0].sizes(), (at::IntArrayRef{3, 360, 480}));
  EXPECT_EQ(a.frames[0].scalar_type(), at::kByte);
  for (const auto& b : a.ground_truth) {
    EXPECT_TRUE(b.is_valid());
    EXPECT_GE(b.x, 0);
    EXPECT_LE(b.x + b.w, 480);
  }
  EXPECT_GT(a.ground_truth[10].area(), a.ground_truth[0].area());  // scale changes
  EXPECT_GE(a.occlusion_begin, 0);
  auto b = make_synthetic_sequence(o);
  EXPECT_TRUE(at::equal(a.frames[17], b.frames[17]));
  o.seed = 8;
  EXPECT_FALSE(at::equal(a.frames[17], make_synthetic_sequence(o).frames[17]));
  o.target_size = 500;
  EXPECT_THROW(make_synthetic_sequence(o), std::invalid_argument);
}

}  // namespace
}  // namespace dimp::data
