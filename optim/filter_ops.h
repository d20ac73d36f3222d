// optim/filter_ops.h — apply a per-sequence filter bank to feature maps, and its transpose.
//
// Shapes (as the reference): features (images, sequences, C, H, W); filter (sequences, C, kh,
// kw); scores (images, sequences, Ho, Wo) with Ho = H + 2*(kh/2) - kh + 1. The transpose
// is the gradient of sum(residual * apply_filter(feat, f)) w.r.t. f.
//
// Both are k*k GEMMs over shifted views: with X the features as a (images*H*W) x C matrix,
// apply computes X*F (F: C x k^2) and sums the k^2 shifted columns; the transpose gathers the
// residual's k^2 shifts into R and computes X^T*R. That runs at BLAS speed when X is stored
// channels-last; call to_filter_layout() once on features you apply many filters to.
//
//   at::Tensor x = dimp::optim::to_filter_layout(feat);     // one copy, same shape
//   at::Tensor s = dimp::optim::apply_filter(x, f);
//   at::Tensor g = dimp::optim::apply_filter_transpose(x, s - y, {4, 4});
//
// All functions are differentiable (first order) in every tensor argument.
#pragma once

#include <ATen/ATen.h>

#include <utility>

namespace dimp::optim {

// FilterBackend: which implementation runs. kAuto picks, on CPU, kSimd where it applies
// (float32 on AVX-512, with k*k <= 16, or C <= 64 and k <= 8) and kBlas otherwise; kConv on
// other devices.
enum class FilterBackend {
  kAuto,
  kConv,   // grouped conv2d (the reference's formulation); any device
  kBlas,   // shifted GEMMs through LibTorch's BLAS, channels-last features; CPU
  kSimd,   // our AVX-512 kernels: the same GEMMs (k*k <= 16), or direct for C <= 64; CPU, float32
  kEigen,  // the same GEMMs with Eigen (no LibTorch dispatch); CPU, float32
};

// simd_backend_available: whether this CPU runs FilterBackend::kSimd.
bool simd_backend_available();

// to_filter_layout: the same (images, sequences, C, H, W) tensor, stored sequence-major and
// channels-last ((sequences, images, H, W, C) in memory). A no-op when already so.
at::Tensor to_filter_layout(const at::Tensor& feat);

// is_filter_layout: whether feat is stored as to_filter_layout() stores it.
bool is_filter_layout(const at::Tensor& feat);

// apply_filter: scores (images, sequences, Ho, Wo).
at::Tensor apply_filter(const at::Tensor& feat, const at::Tensor& filter,
                        FilterBackend backend = FilterBackend::kAuto);

// apply_filter_transpose: the filter gradient (sequences, C, kh, kw) of <residual, scores>.
at::Tensor apply_filter_transpose(const at::Tensor& feat, const at::Tensor& residual,
                                  std::pair<int64_t, int64_t> filter_size,
                                  FilterBackend backend = FilterBackend::kAuto);

// fuse_feature_gradients: `feat` as the features of many filter ops whose gradient w.r.t.
// the features is summed in one GEMM when the backward pass reaches them, instead of one
// (images x H x W x C) product and accumulation per op — what dominates differentiating an
// unrolled optimizer (the training step). Use the result in place of `feat`; gradients equal
// the unfused ones. Returns `feat` itself when nothing is to be differentiated.
at::Tensor fuse_feature_gradients(const at::Tensor& feat);

// filter_flops: multiply-adds x 2 of one apply (or transpose) — for benchmarks' counters.
double filter_flops(const at::Tensor& feat, std::pair<int64_t, int64_t> filter_size);

}  // namespace dimp::optim
