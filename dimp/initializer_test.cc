#include "dimp/initializer.h"

#include <gtest/gtest.h>

#include "bbox/prroi_pool.h"

namespace dimp {
namespace {

static_assert(is_initializer_v<LinearFilterInitializer> && is_initializer_v<ZeroInitializer>);

// With an identity conv the initializer is the mean of the pooled target regions.
TEST(LinearFilterInitializer, IdentityConvGivesTheMeanPooledTarget) {
  at::manual_seed(0);
  LinearFilterInitializer init({/*feature_dim=*/6, /*filter_size=*/4, /*feature_stride=*/16});
  init.conv_weight = at::zeros({6, 6, 3, 3});
  for (int c = 0; c < 6; ++c) init.conv_weight[c][c][1][1] = 1;
  auto feat = at::randn({3, 2, 6, 9, 9});
  // Inside the sample hull [0, 8·16], where a constant map pools to itself.
  auto boxes = at::rand({3, 2, 4}) * 40 + at::tensor({10.f, 10.f, 20.f, 20.f});
  auto f = init.initial_filter(feat, boxes);
  ASSERT_EQ(f.sizes(), (at::IntArrayRef{2, 6, 4, 4}));
  for (int64_t s = 0; s < 2; ++s) {
    auto expected = at::zeros({6, 4, 4});
    for (int64_t n = 0; n < 3; ++n) {
      auto b = boxes[n][s];
      auto roi = at::stack({at::zeros({}), b[0], b[1], b[0] + b[2], b[1] + b[3]}).view({1, 5});
      expected += bbox::prroi_pool2d(feat[n][s].unsqueeze(0), roi, 4, 4, 1.0 / 16)[0] / 3;
    }
    EXPECT_TRUE(at::allclose(f[s], expected, 1e-5, 1e-5)) << s;
  }
  init.conv_bias.fill_(0.5);
  EXPECT_TRUE(at::allclose(init.initial_filter(feat, boxes), f + 0.5, 1e-5, 1e-5));
}

TEST(LinearFilterInitializer, NormalisationAndParameterNames) {
  LinearFilterInitializer init({4, 3, 16, 3, /*filter_norm=*/true});
  init.conv_weight.zero_();
  init.conv_bias.fill_(36.0);
  auto f = init.initial_filter(at::randn({2, 1, 4, 8, 8}), at::full({2, 1, 4}, 40.f));
  EXPECT_TRUE(at::allclose(f, at::ones({1, 4, 3, 3})));  // 36 / (4·3·3)
  EXPECT_EQ(init.parameters()[0].first, "filter_conv.weight");
  EXPECT_EQ(init.conv_weight.sizes(), (at::IntArrayRef{4, 4, 3, 3}));
}

TEST(Initializers, BadShapesAreRejectedAndZeroInitializerIsZero) {
  LinearFilterInitializer init({4, 4});
  EXPECT_THROW(init.initial_filter(at::randn({2, 1, 5, 8, 8}), at::zeros({2, 1, 4})), c10::Error);
  EXPECT_THROW(init.initial_filter(at::randn({2, 1, 4, 8, 8}), at::zeros({3, 1, 4})), c10::Error);
  ZeroInitializer zero(4, 4);
  auto f = zero.initial_filter(at::randn({2, 3, 4, 8, 8}), at::zeros({2, 3, 4}));
  EXPECT_EQ(f.sizes(), (at::IntArrayRef{3, 4, 4, 4}));
  EXPECT_EQ(f.abs().sum().item<float>(), 0.f);
}

}  // namespace
}  // namespace dimp
