// Precise RoI pooling (bbox/prroi_pool.h), forward and forward+backward (features and boxes),
// at the sizes DiMP uses it: the initializer (15 samples, 512 x 18 x 18 -> 4 x 4), IoU-Net
// at tracking (16 proposals on layer2 128 x 36 x 36 -> 5 x 5 and layer3 256 x 18 x 18 -> 3 x 3)
// and at training (26 x 3 images, 16 proposals each).
#include <ATen/ATen.h>
#include <benchmark/benchmark.h>

#include "bbox/prroi_pool.h"
#include "benchmarks/roofline.h"

namespace {

struct Case {
  int64_t images, rois_per_image, C, H, pooled;
  double scale;
};

const Case kCases[] = {
    {15, 1, 512, 18, 4, 1.0 / 16},   // initializer, tracking
    {1, 16, 128, 36, 5, 1.0 / 8},    // IoU-Net layer2, tracking
    {1, 16, 256, 18, 3, 1.0 / 16},   // IoU-Net layer3, tracking
    {78, 16, 256, 18, 3, 1.0 / 16},  // IoU-Net layer3, training batch
};

at::Tensor make_rois(const Case& c) {
  auto boxes = at::rand({c.images, c.rois_per_image, 4}) * 150;
  boxes.narrow(2, 2, 2).add_(20);
  return dimp::bbox::xywh_to_rois(boxes);
}

// FLOPs of the separable evaluation: per RoI and channel, B·F (p x H x W) then ·Aᵀ (p x W x p).
double flops(const Case& c) {
  const double R = c.images * c.rois_per_image;
  return 2.0 * R * c.C * (c.pooled * c.H * c.H + c.pooled * c.H * c.pooled);
}

void BM_PrRoIPoolForward(benchmark::State& state) {
  const Case& c = kCases[state.range(0)];
  auto feat = at::randn({c.images, c.C, c.H, c.H});
  auto rois = make_rois(c);
  at::NoGradGuard ng;
  dimp::bench::run_timed(state, flops(c), 4.0 * feat.numel(), [&] {
    benchmark::DoNotOptimize(dimp::bbox::prroi_pool2d(feat, rois, c.pooled, c.pooled, c.scale));
  });
}

void BM_PrRoIPoolForwardBackward(benchmark::State& state) {
  const Case& c = kCases[state.range(0)];
  auto feat = at::randn({c.images, c.C, c.H, c.H}).requires_grad_();
  auto rois = make_rois(c).requires_grad_();
  dimp::bench::run_timed(state, 3 * flops(c), 3 * 4.0 * feat.numel(), [&] {
    dimp::bbox::prroi_pool2d(feat, rois, c.pooled, c.pooled, c.scale).sum().backward();
  });
}

BENCHMARK(BM_PrRoIPoolForward)->ArgName("case")->DenseRange(0, 3)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PrRoIPoolForwardBackward)->ArgName("case")->DenseRange(0, 3)->Unit(benchmark::kMicrosecond);

}  // namespace
