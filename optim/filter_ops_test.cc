#include "optim/filter_ops.h"

#include <gtest/gtest.h>
#include <torch/csrc/autograd/autograd.h>

#include <tuple>

namespace dimp::optim {
namespace {

struct Dims {
  int64_t N, S, C, H, W, kh, kw;
};

class FilterOps : public ::testing::TestWithParam<Dims> {
 protected:
  void SetUp() override { at::manual_seed(42); }
};

at::Tensor out_like(const Dims& d, at::ScalarType t) {
  return at::randn({d.N, d.S, d.H + 2 * (d.kh / 2) - d.kh + 1, d.W + 2 * (d.kw / 2) - d.kw + 1}, t);
}

TEST_P(FilterOps, BackendsAgree) {
  const Dims d = GetParam();
  auto feat = at::randn({d.N, d.S, d.C, d.H, d.W}, at::kDouble);
  auto filt = at::randn({d.S, d.C, d.kh, d.kw}, at::kDouble);
  auto r = out_like(d, at::kDouble);
  auto a_conv = apply_filter(feat, filt, FilterBackend::kConv);
  auto a_gemm = apply_filter(feat, filt, FilterBackend::kBlas);
  EXPECT_TRUE(at::allclose(a_conv, a_gemm, 1e-10, 1e-10));
  auto t_conv = apply_filter_transpose(feat, r, {d.kh, d.kw}, FilterBackend::kConv);
  auto t_gemm = apply_filter_transpose(feat, r, {d.kh, d.kw}, FilterBackend::kBlas);
  EXPECT_TRUE(at::allclose(t_conv, t_gemm, 1e-10, 1e-10));
  // Eigen and the SIMD kernels run float32.
  auto ff = feat.to(at::kFloat), wf = filt.to(at::kFloat), rf = r.to(at::kFloat);
  if (simd_backend_available() && (d.kh * d.kw <= 16 || (d.C <= 64 && d.kh <= 8 && d.kw <= 8))) {
    EXPECT_TRUE(at::allclose(apply_filter(ff, wf, FilterBackend::kSimd), a_conv.to(at::kFloat), 1e-4, 1e-3));
    EXPECT_TRUE(at::allclose(apply_filter_transpose(ff, rf, {d.kh, d.kw}, FilterBackend::kSimd),
                             t_conv.to(at::kFloat), 1e-4, 1e-3));
  }
  EXPECT_TRUE(at::allclose(apply_filter(ff, wf, FilterBackend::kEigen), a_conv.to(at::kFloat), 1e-4, 1e-3));
  EXPECT_TRUE(at::allclose(apply_filter_transpose(ff, rf, {d.kh, d.kw}, FilterBackend::kEigen),
                           t_conv.to(at::kFloat), 1e-4, 1e-3));
}

TEST_P(FilterOps, TransposeIsTheAdjointOfApply) {
  const Dims d = GetParam();
  auto feat = at::randn({d.N, d.S, d.C, d.H, d.W}, at::kDouble);
  auto filt = at::randn({d.S, d.C, d.kh, d.kw}, at::kDouble);
  auto r = out_like(d, at::kDouble);
  const double lhs = (r * apply_filter(feat, filt)).sum().item<double>();
  const double rhs = (apply_filter_transpose(feat, r, {d.kh, d.kw}) * filt).sum().item<double>();
  EXPECT_NEAR(lhs, rhs, 1e-9 * std::max(1.0, std::abs(lhs)));
}

TEST_P(FilterOps, TransposeEqualsAutogradOfConv) {
  const Dims d = GetParam();
  auto feat = at::randn({d.N, d.S, d.C, d.H, d.W}, at::kDouble);
  auto filt = at::randn({d.S, d.C, d.kh, d.kw}, at::kDouble).requires_grad_();
  auto r = out_like(d, at::kDouble);
  (r * apply_filter(feat, filt, FilterBackend::kConv)).sum().backward();
  EXPECT_TRUE(at::allclose(apply_filter_transpose(feat, r, {d.kh, d.kw}), filt.grad(), 1e-10, 1e-10));
}

TEST_P(FilterOps, GemmPathGradientsMatchConvAutograd) {
  const Dims d = GetParam();
  auto feat0 = at::randn({d.N, d.S, d.C, d.H, d.W}, at::kDouble);
  auto filt0 = at::randn({d.S, d.C, d.kh, d.kw}, at::kDouble);
  auto r0 = out_like(d, at::kDouble);
  auto w_apply = out_like(d, at::kDouble);
  auto w_trans = at::randn({d.S, d.C, d.kh, d.kw}, at::kDouble);
  std::vector<at::Tensor> grads[2];
  for (int k = 0; k < 2; ++k) {
    const auto backend = k == 0 ? FilterBackend::kConv : FilterBackend::kBlas;
    auto feat = feat0.clone().requires_grad_(), filt = filt0.clone().requires_grad_(), r = r0.clone().requires_grad_();
    auto loss = (w_apply * apply_filter(feat, filt, backend)).sum() +
                (w_trans * apply_filter_transpose(feat, r, {d.kh, d.kw}, backend)).sum();
    loss.backward();
    grads[k] = {feat.grad(), filt.grad(), r.grad()};
  }
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(at::allclose(grads[0][i], grads[1][i], 1e-9, 1e-9)) << "input " << i;
}

TEST_P(FilterOps, BatchingOverSequencesEqualsOneByOne) {
  const Dims d = GetParam();
  auto feat = at::randn({d.N, d.S, d.C, d.H, d.W}, at::kDouble);
  auto filt = at::randn({d.S, d.C, d.kh, d.kw}, at::kDouble);
  auto r = out_like(d, at::kDouble);
  auto all = apply_filter(feat, filt);
  auto all_t = apply_filter_transpose(feat, r, {d.kh, d.kw});
  for (int64_t s = 0; s < d.S; ++s) {
    auto one = apply_filter(feat.narrow(1, s, 1), filt.narrow(0, s, 1));
    EXPECT_TRUE(at::allclose(all.narrow(1, s, 1), one, 1e-12, 1e-12));
    auto one_t = apply_filter_transpose(feat.narrow(1, s, 1), r.narrow(1, s, 1).contiguous(), {d.kh, d.kw});
    EXPECT_TRUE(at::allclose(all_t.narrow(0, s, 1), one_t, 1e-12, 1e-12));
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, FilterOps,
                         ::testing::Values(Dims{3, 2, 8, 9, 9, 4, 4},   // the paper's even 4x4
                                           Dims{2, 3, 5, 7, 11, 3, 3},  // odd, non-square map
                                           Dims{1, 1, 6, 6, 6, 1, 1},   // 1x1
                                           Dims{4, 1, 3, 8, 5, 3, 4},   // mixed parity
                                           Dims{2, 2, 4, 5, 5, 5, 5}));

// fuse_feature_gradients: the features' gradient summed in one product equals the per-op
// gradients — with two filter sizes, more terms than one product takes (32), ops on both
// sides (apply, transpose) and a use of the features outside the filter ops.
TEST(FilterOpsFusedGradient, EqualsThePerOpGradients) {
  at::manual_seed(7);
  auto feat0 = at::randn({3, 2, 5, 9, 9}, at::kDouble);
  auto w = at::randn({3, 2, 5, 9, 9}, at::kDouble);
  std::vector<at::Tensor> filters, residuals;
  for (int i = 0; i < 40; ++i) filters.push_back(at::randn({2, 5, i % 2 ? 3 : 4, i % 2 ? 3 : 4}, at::kDouble));
  for (int i = 0; i < 5; ++i) residuals.push_back(at::randn({3, 2, 10, 10}, at::kDouble));
  at::Tensor grads[2];
  for (int fused = 0; fused < 2; ++fused) {
    auto leaf = feat0.clone().requires_grad_();
    auto feat = fused ? fuse_feature_gradients(leaf) : leaf;
    if (fused) {
      EXPECT_NE(feat.unsafeGetTensorImpl(), leaf.unsafeGetTensorImpl());
    }
    at::Tensor total = (feat * w).sum();
    for (const auto& f : filters) total = total + apply_filter(feat, f, FilterBackend::kBlas).pow(2).sum();
    for (const auto& r : residuals) {
      total = total + apply_filter_transpose(feat, r, {4, 4}, FilterBackend::kBlas).pow(2).sum();
    }
    total.backward();
    grads[fused] = leaf.grad();
  }
  EXPECT_TRUE(at::allclose(grads[0], grads[1], 1e-10, 1e-10))
      << (grads[0] - grads[1]).abs().max().item<double>();
}

// A pass that does not reach the features (autograd::grad w.r.t. the filter only) files no
// terms, so a later pass over the same graph gives the features their gradient once.
TEST(FilterOpsFusedGradient, APassThatSkipsTheFeaturesLeavesNoTerms) {
  at::manual_seed(8);
  auto feat0 = at::randn({2, 1, 4, 7, 7}, at::kDouble);
  auto filt = at::randn({1, 4, 4, 4}, at::kDouble).requires_grad_();
  at::Tensor grads[2];
  for (int fused = 0; fused < 2; ++fused) {
    auto leaf = feat0.clone().requires_grad_();
    auto feat = fused ? fuse_feature_gradients(leaf) : leaf;
    auto total = apply_filter(feat, filt, FilterBackend::kBlas).pow(2).sum();
    torch::autograd::grad({total}, {filt}, {}, /*retain_graph=*/true);
    total.backward();
    grads[fused] = leaf.grad();
  }
  EXPECT_TRUE(at::allclose(grads[0], grads[1], 1e-12, 1e-12));
}

TEST(FilterOpsFusedGradient, NothingToDifferentiateReturnsTheFeatures) {
  auto feat = at::randn({2, 1, 4, 5, 5});
  EXPECT_TRUE(fuse_feature_gradients(feat).is_same(feat));
  auto leaf = feat.clone().requires_grad_();
  {
    at::NoGradGuard ng;
    EXPECT_TRUE(fuse_feature_gradients(leaf).is_same(leaf));
  }
  auto fused = fuse_feature_gradients(leaf);
  EXPECT_TRUE(fuse_feature_gradients(fused).is_same(fused));  // fusing twice is fusing once
} // filter as large as the map

TEST(FilterOpsFiniteDifferences, GemmApplyGradientMatchesFiniteDifferences) {
  at::manual_seed(3);
  auto feat = at::randn({2, 1, 3, 5, 5}, at::kDouble).requires_grad_();
  auto filt = at::randn({1, 3, 4, 4}, at::kDouble).requires_grad_();
  auto w = at::randn({2, 1, 6, 6}, at::kDouble);
  auto f = [&](const at::Tensor& x, const at::Tensor& k) {
    return (w * apply_filter(x, k, FilterBackend::kBlas)).pow(2).sum();
  };
  f(feat, filt).backward();
  const double eps = 1e-6;
  for (int64_t i : {0, 7, 33, 80, 149}) {
    auto e = at::zeros_like(feat).view(-1);
    e[i] = eps;
    e = e.view_as(feat);
    at::NoGradGuard ng;
    const double fd = (f(feat + e, filt) - f(feat - e, filt)).item<double>() / (2 * eps);
    EXPECT_NEAR(feat.grad().view(-1)[i].item<double>(), fd, 1e-5 * std::max(1.0, std::abs(fd)));
  }
  for (int64_t i : {0, 5, 17, 47}) {
    auto e = at::zeros_like(filt).view(-1);
    e[i] = eps;
    e = e.view_as(filt);
    at::NoGradGuard ng;
    const double fd = (f(feat, filt + e) - f(feat, filt - e)).item<double>() / (2 * eps);
    EXPECT_NEAR(filt.grad().view(-1)[i].item<double>(), fd, 1e-5 * std::max(1.0, std::abs(fd)));
  }
}

// The direct few-channel kernels (C <= 64) against the BLAS path: the weight-free tracker's
// 31 channels with 5x5 filters on 32x32 maps, exact register multiples (16, 64), one
// channel, filters up to 8x8 and of mixed parity, several sequences.
TEST(FilterOpsSimd, DirectKernelsMatchTheBlasPathForFewChannels) {
  if (!simd_backend_available()) GTEST_SKIP() << "this CPU has no AVX-512: the SIMD backend is not used";
  at::manual_seed(10);
  for (const Dims& d : {Dims{3, 1, 31, 32, 32, 5, 5}, Dims{2, 2, 16, 9, 7, 3, 3}, Dims{1, 1, 64, 6, 6, 8, 8},
                        Dims{2, 1, 1, 5, 9, 2, 4}, Dims{4, 3, 47, 11, 10, 5, 4}}) {
    auto feat = to_filter_layout(at::randn({d.N, d.S, d.C, d.H, d.W}));
    auto filt = at::randn({d.S, d.C, d.kh, d.kw});
    auto r = out_like(d, at::kFloat);
    const auto a = apply_filter(feat, filt, FilterBackend::kSimd), a_ref = apply_filter(feat, filt, FilterBackend::kBlas);
    EXPECT_TRUE(at::allclose(a, a_ref, 1e-4, 1e-4)) << "C " << d.C << " k " << d.kh << "x" << d.kw << ": "
                                                     << (a - a_ref).abs().max().item<float>();
    const auto t = apply_filter_transpose(feat, r, {d.kh, d.kw}, FilterBackend::kSimd);
    const auto t_ref = apply_filter_transpose(feat, r, {d.kh, d.kw}, FilterBackend::kBlas);
    EXPECT_TRUE(at::allclose(t, t_ref, 1e-4, 1e-3)) << "C " << d.C << " k " << d.kh << "x" << d.kw << ": "
                                                     << (t - t_ref).abs().max().item<float>();
  }
  // Beyond the direct kernels' limits: the shifted GEMMs take k*k <= 16, nothing takes 9x9 on 65 channels.
  auto wide = to_filter_layout(at::randn({2, 1, 65, 9, 9}));
  EXPECT_NO_THROW(apply_filter(wide, at::randn({1, 65, 4, 4}), FilterBackend::kSimd));
  EXPECT_THROW(apply_filter(wide, at::randn({1, 65, 9, 9}), FilterBackend::kSimd), c10::Error);
}

TEST(FilterOpsSimd, LargeProblemsAndGradientsMatchTheBlasPath) {
  if (!simd_backend_available()) GTEST_SKIP() << "this CPU has no AVX-512: the SIMD backend is not used";
  at::manual_seed(9);
  // Rows and channels that are not multiples of the kernels' blocks (80 channels: the shifted
  // GEMMs, not the direct kernels).
  auto feat = to_filter_layout(at::randn({7, 2, 80, 9, 11}));
  auto filt = at::randn({2, 80, 4, 4});
  auto r = at::randn({7, 2, 10, 12});
  EXPECT_TRUE(at::allclose(apply_filter(feat, filt, FilterBackend::kSimd), apply_filter(feat, filt, FilterBackend::kBlas),
                           1e-4, 1e-4));
  EXPECT_TRUE(at::allclose(apply_filter_transpose(feat, r, {4, 4}, FilterBackend::kSimd),
                           apply_filter_transpose(feat, r, {4, 4}, FilterBackend::kBlas), 1e-4, 1e-3));
  std::vector<at::Tensor> grads[2];
  for (int k = 0; k < 2; ++k) {
    auto b = k == 0 ? FilterBackend::kBlas : FilterBackend::kSimd;
    auto x = feat.clone().requires_grad_(), f = filt.clone().requires_grad_(), rr = r.clone().requires_grad_();
    ((apply_filter(x, f, b) * r).sum() + apply_filter_transpose(x, rr, {4, 4}, b).pow(2).sum()).backward();
    grads[k] = {x.grad(), f.grad(), rr.grad()};
  }
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(at::allclose(grads[0][i], grads[1][i], 1e-3, 1e-3)) << i;
  EXPECT_THROW(apply_filter(feat.to(at::kDouble), filt.to(at::kDouble), FilterBackend::kSimd), c10::Error);
}

TEST(FilterOpsLayout, FilterLayoutIsANoOpTheSecondTimeAndGivesTheSameResults) {
  auto feat = at::randn({5, 2, 8, 6, 6});
  auto x = to_filter_layout(feat);
  EXPECT_TRUE(is_filter_layout(x));
  EXPECT_FALSE(is_filter_layout(feat));
  EXPECT_EQ(x.sizes(), feat.sizes());
  EXPECT_EQ(to_filter_layout(x).data_ptr(), x.data_ptr());
  auto filt = at::randn({2, 8, 4, 4});
  EXPECT_TRUE(at::allclose(apply_filter(x, filt), apply_filter(feat, filt), 1e-5, 1e-5));
}

TEST(FilterOpsLayout, FourDimensionalFeaturesAreOneSequence) {
  auto feat = at::randn({3, 4, 7, 7});
  auto filt = at::randn({1, 4, 3, 3});
  EXPECT_TRUE(at::allclose(apply_filter(feat, filt), apply_filter(feat.unsqueeze(1), filt)));
}

TEST(FilterOpsErrors, WrongShapesAreReportedClearly) {
  auto feat = at::randn({3, 2, 4, 7, 7});
  EXPECT_THROW(apply_filter(feat, at::randn({3, 4, 3, 3})), c10::Error);  // 3 sequences, features have 2
  EXPECT_THROW(apply_filter(feat, at::randn({2, 5, 3, 3})), c10::Error);  // channel mismatch
  EXPECT_THROW(apply_filter(at::randn({4, 7, 7}), at::randn({1, 4, 3, 3})), c10::Error);
  EXPECT_THROW(apply_filter_transpose(feat, at::randn({3, 2, 6, 6}), {3, 3}), c10::Error);  // needs 7x7
  EXPECT_THROW(apply_filter(feat.to(at::kDouble), at::randn({2, 4, 3, 3}), FilterBackend::kEigen), c10::Error);
  try {
    apply_filter(feat, at::randn({2, 5, 3, 3}));
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what()).find("C=4"), std::string::npos) << e.what();
  }
}

TEST(FilterOpsErrors, DoubleBackwardThroughTheGemmPathIsRefused) {
  auto feat = at::randn({2, 1, 3, 5, 5}, at::kDouble).requires_grad_();
  auto filt = at::randn({1, 3, 3, 3}, at::kDouble).requires_grad_();
  auto y = apply_filter(feat, filt, FilterBackend::kBlas).pow(2).sum();
  y.backward({}, /*retain_graph=*/true, /*create_graph=*/false);
  EXPECT_TRUE(filt.grad().defined());
  EXPECT_THROW(y.backward({}, /*retain_graph=*/true, /*create_graph=*/true), c10::Error);
}

}  // namespace
}  // namespace dimp::optim
