#include "dimp/initializer.h"

#include <cmath>

#include "bbox/prroi_pool.h"

namespace dimp {
namespace {

// (images, sequences, ...) views of 4-D (images, C, H, W) inputs: one sequence.
at::Tensor as5d(const at::Tensor& feat) { return feat.dim() == 4 ? feat.unsqueeze(1) : feat; }

void check(const at::Tensor& feat5, const at::Tensor& boxes, int64_t C) {
  TORCH_CHECK(feat5.dim() == 5, "initializer: features must be (images, sequences, C, H, W), got ", feat5.sizes());
  TORCH_CHECK(feat5.size(2) == C, "initializer: expected ", C, " feature channels, got ", feat5.size(2));
  TORCH_CHECK(boxes.dim() >= 2 && boxes.size(-1) == 4 && boxes.numel() == feat5.size(0) * feat5.size(1) * 4,
              "initializer: boxes must be (images, sequences, 4) matching the features ", feat5.sizes().slice(0, 2),
              ", got ", boxes.sizes());
}

}  // namespace

LinearFilterInitializer::LinearFilterInitializer(LinearFilterInitializerOptions o) : options_(o) {
  TORCH_CHECK(o.feature_dim > 0 && o.filter_size > 0 && o.conv_kernel > 0 && o.feature_stride > 0,
              "LinearFilterInitializer: sizes and stride must be positive");
  const double n = static_cast<double>(o.conv_kernel * o.conv_kernel * o.feature_dim);
  conv_weight = at::randn({o.feature_dim, o.feature_dim, o.conv_kernel, o.conv_kernel}) * std::sqrt(2.0 / n);
  conv_bias = at::zeros({o.feature_dim});
}

LinearFilterInitializer LinearFilterInitializer::target_template(int64_t C, int64_t k, double stride) {
  LinearFilterInitializer init({C, k, stride, /*conv_kernel=*/1, /*filter_norm=*/true});
  init.conv_weight = at::eye(C).view({C, C, 1, 1});
  return init;
}

at::Tensor LinearFilterInitializer::initial_filter(const at::Tensor& feat, const at::Tensor& boxes) const {
  auto feat5 = as5d(feat);
  check(feat5, boxes, options_.feature_dim);
  const int64_t N = feat5.size(0), S = feat5.size(1), C = feat5.size(2);
  const int64_t k = options_.filter_size;
  auto x = feat5.reshape({N * S, C, feat5.size(3), feat5.size(4)});
  x = at::conv2d(x, conv_weight.to(x.options()), conv_bias.to(x.options()), 1, options_.conv_kernel / 2);
  auto rois = bbox::xywh_to_rois(boxes.reshape({N * S, 1, 4}).to(x.options()));
  auto pooled = bbox::prroi_pool2d(x, rois, k, k, 1.0 / options_.feature_stride);  // (N*S, C, k, k)
  auto filter = pooled.view({N, S, C, k, k}).mean(0);
  if (options_.filter_norm) filter = filter / static_cast<double>(C * k * k);
  return filter;
}

at::Tensor ZeroInitializer::initial_filter(const at::Tensor& feat, const at::Tensor& boxes) const {
  auto feat5 = as5d(feat);
  TORCH_CHECK(feat5.dim() == 5 && feat5.size(2) == feature_dim_, "ZeroInitializer: expected ", feature_dim_,
              "-channel features (images, sequences, C, H, W), got ", feat.sizes());
  return at::zeros({feat5.size(1), feature_dim_, filter_size_, filter_size_}, feat.options());
}

}  // namespace dimp
