#include "losses/distance_map.h"

#include <gtest/gtest.h>

namespace dimp::losses {
namespace {

TEST(DistanceMap, DistancesFromTheCentre) {
  auto c = at::tensor({2.0, 1.0}, at::kDouble).view({1, 1, 2});  // x = 2, y = 1
  auto d = distance_map(c, 3, 4);
  ASSERT_EQ(d.sizes(), (at::IntArrayRef{1, 1, 3, 4}));
  EXPECT_DOUBLE_EQ(d[0][0][1][2].item<double>(), 0.0);
  EXPECT_DOUBLE_EQ(d[0][0][1][0].item<double>(), 2.0);
  EXPECT_DOUBLE_EQ(d[0][0][0][3].item<double>(), std::sqrt(2.0));
}

TEST(DistanceMap, TriangularBasisMatchesEquation7) {
  auto d = at::tensor({0.0, 0.05, 0.1, 0.37, 0.9, 1.0, 5.0}, at::kDouble);
  auto b = triangular_basis(d, 10, 0.1);  // knots at 0, 0.1, ..., 0.9
  ASSERT_EQ(b.sizes(), (at::IntArrayRef{7, 10}));
  EXPECT_DOUBLE_EQ(b[0][0].item<double>(), 1.0);
  EXPECT_NEAR(b[1][0].item<double>(), 0.5, 1e-12);
  EXPECT_NEAR(b[1][1].item<double>(), 0.5, 1e-12);
  EXPECT_NEAR(b[3][3].item<double>(), 0.3, 1e-12);
  EXPECT_NEAR(b[3][4].item<double>(), 0.7, 1e-12);
  EXPECT_NEAR(b[4][9].item<double>(), 1.0, 1e-12);  // at the last knot
  EXPECT_NEAR(b[5][9].item<double>(), 1.0, 1e-12);  // beyond it: the last function stays 1
  EXPECT_NEAR(b[6][9].item<double>(), 1.0, 1e-12);
  EXPECT_NEAR(b[6].sum().item<double>(), 1.0, 1e-12);
  // A partition of unity everywhere.
  auto many = at::rand({200}, at::kDouble) * 2;
  EXPECT_TRUE(at::allclose(triangular_basis(many, 10, 0.1).sum(-1), at::ones({200}, at::kDouble)));
}

TEST(DistanceMap, RadialFunctionEqualsTheBasisExpansionAndItsGradient) {
  at::manual_seed(1);
  const int64_t n = 100;
  auto coeffs = at::randn({n}, at::kDouble).requires_grad_();
  auto d = at::rand({4, 3, 19, 19}, at::kDouble) * 12;  // beyond the last knot (9.9) too
  auto fast = radial_function(d, coeffs, 0.1);
  auto slow = (triangular_basis(d, n, 0.1) * coeffs).sum(-1);
  EXPECT_TRUE(at::allclose(fast, slow, 1e-12, 1e-12));
  // d y / d phi_k = rho_k(d): compare gradients of a weighted sum.
  auto w = at::randn_like(d);
  (w * fast).sum().backward();
  auto g1 = coeffs.grad().clone();
  coeffs.grad().zero_();
  (w * slow).sum().backward();
  EXPECT_TRUE(at::allclose(g1, coeffs.grad(), 1e-10, 1e-10));
}

TEST(DistanceMap, GaussianLabel) {
  auto d = at::tensor({0.0, 1.0, 2.0}, at::kDouble);
  auto z = gaussian_label(d, 2.0);
  EXPECT_DOUBLE_EQ(z[0].item<double>(), 1.0);
  EXPECT_NEAR(z[2].item<double>(), std::exp(-0.5), 1e-15);
  EXPECT_THROW(gaussian_label(d, 0.0), c10::Error);
}

}  // namespace
}  // namespace dimp::losses
