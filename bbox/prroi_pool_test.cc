#include "bbox/prroi_pool.h"

#include <gtest/gtest.h>

#include <cmath>

namespace dimp::bbox {
namespace {

// Independent reference: the bilinear interpolant (zero beyond the map) integrated by the
// midpoint rule on a fine grid.
double interpolant(const at::Tensor& F, double x, double y) {
  const int64_t H = F.size(0), W = F.size(1);
  double v = 0;
  for (int64_t h = static_cast<int64_t>(std::floor(y)); h <= static_cast<int64_t>(std::floor(y)) + 1; ++h) {
    for (int64_t w = static_cast<int64_t>(std::floor(x)); w <= static_cast<int64_t>(std::floor(x)) + 1; ++w) {
      if (h < 0 || h >= H || w < 0 || w >= W) continue;
      v += F[h][w].item<double>() * std::max(0.0, 1 - std::abs(x - w)) * std::max(0.0, 1 - std::abs(y - h));
    }
  }
  return v;
}

double dense_bin_average(const at::Tensor& F, double xa, double xb, double ya, double yb, int samples) {
  if (xb <= xa || yb <= ya) return 0;
  double sum = 0;
  for (int i = 0; i < samples; ++i) {
    for (int j = 0; j < samples; ++j) {
      sum += interpolant(F, xa + (j + 0.5) * (xb - xa) / samples, ya + (i + 0.5) * (yb - ya) / samples);
    }
  }
  return sum / (samples * samples);
}

TEST(PrRoIPool, MatchesDenseNumericalIntegration) {
  at::manual_seed(0);
  auto feat = at::randn({1, 2, 5, 6}, at::kDouble);
  const double scale = 0.5;
  // Boxes in image coordinates (x scale gives feature coordinates).
  auto rois = at::tensor({0.0, 1.0, 1.0, 7.0, 5.0,      // inside
                          0.0, -3.0, -2.0, 4.0, 3.0,    // over the top-left border
                          0.0, 6.0, 4.0, 14.0, 11.0,    // over the bottom-right border
                          0.0, 2.2, 3.1, 2.9, 3.3},     // tiny
                         at::kDouble)
                  .view({4, 5});
  auto out = prroi_pool2d(feat, rois, 2, 3, scale);
  ASSERT_EQ(out.sizes(), (at::IntArrayRef{4, 2, 2, 3}));
  for (int64_t r = 0; r < 4; ++r) {
    const double x0 = rois[r][1].item<double>() * scale, y0 = rois[r][2].item<double>() * scale;
    const double bw = (rois[r][3].item<double>() * scale - x0) / 3, bh = (rois[r][4].item<double>() * scale - y0) / 2;
    for (int64_t c = 0; c < 2; ++c) {
      for (int64_t i = 0; i < 2; ++i) {
        for (int64_t j = 0; j < 3; ++j) {
          const double expected = dense_bin_average(feat[0][c], x0 + j * bw, x0 + (j + 1) * bw, y0 + i * bh,
                                                    y0 + (i + 1) * bh, 120);
          EXPECT_NEAR(out[r][c][i][j].item<double>(), expected, 2e-4) << r << c << i << j;
        }
      }
    }
  }
}

TEST(PrRoIPool, ExactForConstantAndLinearMaps) {
  // Inside the sample hull [0, W−1] a linear map is interpolated exactly: a bin's average is
  // the map at the bin's centre.
  auto xs = at::arange(8, at::kDouble).view({1, 1, 1, 8}).expand({1, 1, 6, 8}).contiguous();
  auto rois = at::tensor({0.0, 1.0, 0.5, 6.0, 4.5}, at::kDouble).view({1, 5});
  auto out = prroi_pool2d(xs, rois, 2, 5, 1.0);
  for (int j = 0; j < 5; ++j) EXPECT_NEAR(out[0][0][0][j].item<double>(), 1.0 + (j + 0.5), 1e-12);
  auto ones = at::ones({1, 3, 6, 8}, at::kDouble);
  EXPECT_TRUE(at::allclose(prroi_pool2d(ones, rois, 3, 3, 1.0), at::ones({1, 3, 3, 3}, at::kDouble)));
}

TEST(PrRoIPool, BoxGradientMatchesFiniteDifferences) {
  at::manual_seed(1);
  auto feat = at::randn({2, 3, 7, 7}, at::kDouble);
  auto rois = at::tensor({1.0, 3.3, 2.1, 19.7, 15.2, 0.0, -4.0, 5.5, 9.0, 30.0}, at::kDouble).view({2, 5});
  auto w = at::randn({2, 3, 3, 3}, at::kDouble);
  auto f = [&](const at::Tensor& r) { return (w * prroi_pool2d(feat, r, 3, 3, 0.25)).sum(); };
  auto rg = rois.clone().requires_grad_();
  f(rg).backward();
  const double eps = 1e-6;
  for (int64_t r = 0; r < 2; ++r) {
    for (int64_t k = 1; k < 5; ++k) {
      auto up = rois.clone(), down = rois.clone();
      up[r][k] += eps;
      down[r][k] -= eps;
      const double fd = (f(up) - f(down)).item<double>() / (2 * eps);
      EXPECT_NEAR(rg.grad()[r][k].item<double>(), fd, 1e-6 * std::max(1.0, std::abs(fd))) << r << "," << k;
    }
  }
  EXPECT_EQ(rg.grad().select(1, 0).abs().sum().item<double>(), 0.0);
}

TEST(PrRoIPool, FeatureGradientMatchesFiniteDifferences) {
  at::manual_seed(2);
  auto feat = at::randn({1, 2, 5, 5}, at::kDouble);
  auto rois = at::tensor({0.0, 0.7, 1.2, 3.9, 4.4}, at::kDouble).view({1, 5});
  auto w = at::randn({1, 2, 2, 2}, at::kDouble);
  auto fg = feat.clone().requires_grad_();
  (w * prroi_pool2d(fg, rois, 2, 2, 1.0)).sum().backward();
  const double eps = 1e-6;
  for (int64_t i : {0, 6, 12, 18, 24, 31, 44}) {
    auto up = feat.clone().view(-1), down = feat.clone().view(-1);
    up[i] += eps;
    down[i] -= eps;
    const double fd = ((w * prroi_pool2d(up.view_as(feat), rois, 2, 2, 1.0)).sum() -
                       (w * prroi_pool2d(down.view_as(feat), rois, 2, 2, 1.0)).sum())
                          .item<double>() /
                      (2 * eps);
    EXPECT_NEAR(fg.grad().view(-1)[i].item<double>(), fd, 1e-7) << i;
  }
}

TEST(PrRoIPool, ImagesInAnyOrderAndEmptyBins) {
  at::manual_seed(3);
  auto feat = at::randn({3, 4, 6, 6});
  auto rois = at::tensor({2.f, 1.f, 1.f, 4.f, 4.f, 0.f, 0.f, 0.f, 5.f, 5.f, 2.f, 2.f, 2.f, 2.f, 5.f,
                          1.f, 3.f, 3.f, 3.f, 3.f})
                  .view({4, 5});
  auto all = prroi_pool2d(feat, rois, 2, 2, 1.0);
  for (int64_t r = 0; r < 3; ++r) {
    EXPECT_TRUE(at::allclose(all[r], prroi_pool2d(feat, rois.narrow(0, r, 1), 2, 2, 1.0)[0], 1e-5, 1e-6)) << r;
  }
  EXPECT_EQ(all[2].abs().sum().item<float>(), 0.f);  // zero width
  EXPECT_EQ(all[3].abs().sum().item<float>(), 0.f);  // zero area
  EXPECT_EQ(prroi_pool2d(feat, at::zeros({0, 5}), 2, 2, 1.0).sizes(), (at::IntArrayRef{0, 4, 2, 2}));
}

TEST(PrRoIPool, BadInputsAreRejected) {
  auto feat = at::randn({2, 4, 6, 6});
  EXPECT_THROW(prroi_pool2d(feat, at::tensor({2.f, 0.f, 0.f, 1.f, 1.f}).view({1, 5}), 2, 2, 1.0), c10::Error);
  EXPECT_THROW(prroi_pool2d(feat, at::tensor({0.5f, 0.f, 0.f, 1.f, 1.f}).view({1, 5}), 2, 2, 1.0), c10::Error);
  EXPECT_THROW(prroi_pool2d(feat, at::tensor({0.f, NAN, 0.f, 1.f, 1.f}).view({1, 5}), 2, 2, 1.0), c10::Error);
  EXPECT_THROW(prroi_pool2d(feat, at::zeros({1, 4}), 2, 2, 1.0), c10::Error);
  EXPECT_THROW(prroi_pool2d(feat, at::zeros({1, 5}), 0, 2, 1.0), c10::Error);
  EXPECT_THROW(prroi_pool2d(feat.select(0, 0), at::zeros({1, 5}), 2, 2, 1.0), c10::Error);
}

TEST(PrRoIPool, XywhToRois) {
  auto boxes = at::tensor({1.f, 2.f, 3.f, 4.f, 5.f, 6.f, 7.f, 8.f}).view({2, 1, 4});
  auto rois = xywh_to_rois(boxes);
  EXPECT_TRUE(at::equal(rois, at::tensor({0.f, 1.f, 2.f, 4.f, 6.f, 1.f, 5.f, 6.f, 12.f, 14.f}).view({2, 5})));
}

TEST(PrRoIPool, CpuKernelEqualsTheLibTorchImplementationWithGradients) {
  EXPECT_EQ(prroi_pool_backend(at::kCPU), "cpu-kernel");
  at::manual_seed(5);
  auto feat = at::randn({3, 8, 11, 13}, at::kDouble);
  auto boxes = at::rand({3, 6, 4}, at::kDouble) * 150 - 20;
  boxes.narrow(2, 2, 2).abs_().add_(0.5);
  auto rois = xywh_to_rois(boxes);
  rois[2][3] = rois[2][1];  // a zero-width RoI
  auto w = at::randn({18, 8, 3, 4}, at::kDouble);
  std::vector<at::Tensor> results[2];
  for (int k = 0; k < 2; ++k) {
    auto f = feat.clone().requires_grad_(), r = rois.clone().requires_grad_();
    auto out = k == 0 ? prroi_pool2d(f, r, 3, 4, 1.0 / 16) : prroi_pool2d_reference(f, r, 3, 4, 1.0 / 16);
    (w * out).sum().backward();
    results[k] = {out.detach(), f.grad(), r.grad()};
  }
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(at::allclose(results[0][i], results[1][i], 1e-10, 1e-10)) << i;
}

TEST(PrRoIPool, ChannelsLastKernelEqualsTheNchwKernel) {
  at::manual_seed(6);
  for (auto dtype : {at::kDouble, at::kFloat}) {
    // 37 channels: not a multiple of the vector width, so the tails run too.
    auto feat = at::randn({2, 37, 12, 15}, dtype);
    auto boxes = at::rand({2, 5, 4}, dtype) * 200 - 30;
    boxes.narrow(2, 2, 2).abs_().add_(0.5);
    auto rois = xywh_to_rois(boxes);
    rois[3][4] = rois[3][2];  // a zero-height RoI
    auto w = at::randn({10, 37, 5, 3}, dtype);
    std::vector<at::Tensor> results[2];
    for (int k = 0; k < 2; ++k) {
      auto f = (k == 0 ? feat.clone() : feat.contiguous(at::MemoryFormat::ChannelsLast)).requires_grad_();
      auto r = rois.clone().requires_grad_();
      auto out = prroi_pool2d(f, r, 5, 3, 1.0 / 16);
      (w * out).sum().backward();
      results[k] = {out.detach(), f.grad(), r.grad()};
    }
    EXPECT_TRUE(results[1][1].is_contiguous(at::MemoryFormat::ChannelsLast));
    const double tol = dtype == at::kDouble ? 1e-10 : 1e-4;
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(at::allclose(results[0][i], results[1][i], tol, tol)) << dtype << " " << i;
  }
}

}  // namespace
}  // namespace dimp::bbox

namespace dimp::bbox {
namespace {

TEST(PrRoIPoolCuda, KernelEqualsTheLibTorchImplementation) {
  if (!at::hasCUDA()) GTEST_SKIP() << "no CUDA device: the CUDA-vs-CPU equality runs where one is present";
  at::manual_seed(4);
  auto feat = at::randn({3, 16, 18, 18}, at::kDouble);
  auto boxes = at::rand({3, 8, 4}, at::kDouble) * 200;
  auto rois = xywh_to_rois(at::cat({boxes.narrow(2, 0, 2) - 20, boxes.narrow(2, 2, 2) * 0.5 + 1}, 2));
  auto w = at::randn({24, 16, 5, 5}, at::kDouble);
  auto fc = feat.clone().requires_grad_(), rc = rois.clone().requires_grad_();
  auto out_cpu = prroi_pool2d(fc, rc, 5, 5, 1.0 / 16);
  (w * out_cpu).sum().backward();
  auto fg = feat.cuda().requires_grad_(), rg = rois.cuda().requires_grad_();
  EXPECT_EQ(prroi_pool_backend(fg.device()), "cuda-kernel");
  auto out_gpu = prroi_pool2d(fg, rg, 5, 5, 1.0 / 16);
  (w.cuda() * out_gpu).sum().backward();
  EXPECT_TRUE(at::allclose(out_cpu, out_gpu.cpu(), 1e-10, 1e-10));
  EXPECT_TRUE(at::allclose(fc.grad(), fg.grad().cpu(), 1e-10, 1e-10));
  EXPECT_TRUE(at::allclose(rc.grad(), rg.grad().cpu(), 1e-9, 1e-9));
}

}  // namespace
}  // namespace dimp::bbox
