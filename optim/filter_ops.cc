#include "optim/filter_ops.h"

#include <torch/csrc/autograd/custom_function.h>
#include <torch/custom_class.h>

#include <map>
#include <mutex>
#include <tuple>
#include <vector>

#include "optim/cpu/filter_kernels.h"

namespace dimp::optim {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;
using cpu::FilterShape;

// as5d: accept (images, C, H, W) as one sequence.
at::Tensor as5d(const at::Tensor& feat) {
  TORCH_CHECK(feat.defined(), "filter ops: features are undefined");
  TORCH_CHECK(feat.dim() == 5 || feat.dim() == 4,
              "filter ops: features must be (images, sequences, C, H, W), got ", feat.sizes());
  return feat.dim() == 4 ? feat.unsqueeze(1) : feat;
}

FilterShape shape_of(const at::Tensor& feat5, int64_t kh, int64_t kw) {
  TORCH_CHECK(kh >= 1 && kw >= 1, "filter ops: filter size must be positive, got ", kh, "x", kw);
  return {feat5.size(1), feat5.size(0), feat5.size(2), feat5.size(3), feat5.size(4), kh, kw};
}

void check_filter(const at::Tensor& filter, const FilterShape& f) {
  TORCH_CHECK(filter.defined() && filter.dim() == 4 && filter.size(0) == f.S && filter.size(1) == f.C,
              "apply_filter: filter must be (sequences=", f.S, ", C=", f.C, ", kh, kw), got ",
              filter.defined() ? filter.sizes() : at::IntArrayRef{});
}

void check_residual(const at::Tensor& r, const FilterShape& f) {
  TORCH_CHECK(r.defined() && r.dim() == 4 && r.size(0) == f.N && r.size(1) == f.S && r.size(2) == f.Ho() &&
                  r.size(3) == f.Wo(),
              "apply_filter_transpose: residual must be (images=", f.N, ", sequences=", f.S, ", ", f.Ho(), ", ",
              f.Wo(), "), got ", r.defined() ? r.sizes() : at::IntArrayRef{});
}

void check_same(const at::Tensor& a, const at::Tensor& b, const char* what) {
  TORCH_CHECK(a.scalar_type() == b.scalar_type() && a.device() == b.device(), "filter ops: ", what,
              " must match the features' dtype and device (", a.scalar_type(), " on ", a.device(), "), got ",
              b.scalar_type(), " on ", b.device());
}

// (N, S, C, H, W) -> contiguous (S, N, H, W, C).
at::Tensor sequence_major(const at::Tensor& feat5) { return feat5.permute({1, 0, 3, 4, 2}).contiguous(); }

at::Tensor conv_apply(const at::Tensor& feat5, const at::Tensor& filter, const FilterShape& f) {
  auto scores = at::conv2d(feat5.reshape({f.N, f.S * f.C, f.H, f.W}), filter, {}, 1, {f.pad_h(), f.pad_w()}, 1, f.S);
  return scores.view({f.N, f.S, f.Ho(), f.Wo()});
}

at::Tensor conv_transpose(const at::Tensor& feat5, const at::Tensor& r, const FilterShape& f) {
  auto x = feat5.reshape({f.N * f.S, f.C, f.H, f.W}).permute({1, 0, 2, 3});
  auto g = at::conv2d(x, r.reshape({f.N * f.S, 1, f.Ho(), f.Wo()}), {}, 1, {f.pad_h(), f.pad_w()}, 1, f.N * f.S);
  return g.view({f.C, f.N, f.S, f.kh, f.kw}).sum(1).permute({1, 0, 2, 3});
}

// Raw (non-autograd) CPU kernels on a sequence-major X.
at::Tensor raw_apply(const at::Tensor& X, const at::Tensor& filter, const FilterShape& f, FilterBackend b) {
#ifndef DIMP_NO_EIGEN
  if (b == FilterBackend::kEigen) return cpu::apply_eigen(X, filter, f);
#endif
  if (b == FilterBackend::kSimd) return cpu::apply_simd(X, filter, f);
  return cpu::apply_gemm(X, filter, f);
}

at::Tensor raw_transpose(const at::Tensor& X, const at::Tensor& r, const FilterShape& f, FilterBackend b) {
#ifndef DIMP_NO_EIGEN
  if (b == FilterBackend::kEigen) return cpu::transpose_eigen(X, r, f);
#endif
  if (b == FilterBackend::kSimd) return cpu::transpose_simd(X, r, f);
  return cpu::transpose_gemm(X, r, f);
}

// (S, N, H, W, C) gradient back to the features' (N, S, C, H, W) shape.
at::Tensor features_shape(const at::Tensor& g) { return g.permute({1, 0, 4, 2, 3}); }

// FeatureGradientTerms: the fused features' pending gradient terms, each the gradient of
// <scores_grad, apply(X, filter)> w.r.t. X, filed by the filter ops' backward passes and
// summed by FuseFeatureGradientsFunction's.
struct FeatureGradientTerms : torch::CustomClassHolder {
  std::mutex mutex;
  std::vector<std::pair<at::Tensor, at::Tensor>> terms;  // (scores gradient (N,S,Ho,Wo), filter (S,C,kh,kw))
};

struct FuseFeatureGradientsFunction : public torch::autograd::Function<FuseFeatureGradientsFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& feat) {
    ctx->set_materialize_grads(false);  // the filter ops send no gradient here: no zeros to add
    ctx->saved_data["terms"] = at::IValue::make_capsule(c10::make_intrusive<FeatureGradientTerms>());
    ctx->saved_data["sizes"] = feat.sizes();
    return feat.detach();  // an alias: same storage, sizes and strides
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads);
};

// deferred_terms: the terms list (a capsule) when `feat` came from fuse_feature_gradients,
// else None.
at::IValue deferred_terms(const at::Tensor& feat) {
  auto* node = dynamic_cast<torch::autograd::CppNode<FuseFeatureGradientsFunction>*>(feat.grad_fn().get());
  if (node == nullptr) return {};
  return node->ctx_.saved_data.at("terms");
}

// features_gradient: the features' gradient of one op, computed now or filed for the fused sum
// (callers ask only when the backward pass needs it, so no term is filed for a pass that never
// reaches the features).
at::Tensor features_gradient(FeatureGradientTerms* deferred, const at::Tensor& g, const at::Tensor& filter,
                             const FilterShape& f) {
  if (deferred != nullptr) {
    std::lock_guard<std::mutex> lock(deferred->mutex);
    deferred->terms.emplace_back(g, filter.contiguous());
    return at::Tensor();
  }
  return features_shape(cpu::feature_grad_gemm(g, filter, f));
}

void forbid_double_backward(const char* op) {
  TORCH_CHECK(!at::GradMode::is_enabled(), op,
              ": the GEMM filter path is differentiable once; for higher-order gradients use "
              "FilterBackend::kConv");
}

FeatureGradientTerms* deferred(AutogradContext* ctx) {
  const at::IValue& v = ctx->saved_data["deferred"];
  return v.isCapsule() ? static_cast<FeatureGradientTerms*>(v.toCapsule().get()) : nullptr;
}

struct ApplyFilterFunction : public torch::autograd::Function<ApplyFilterFunction> {
  // feat: (N, S, C, H, W).
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& feat, const at::Tensor& filter, int64_t backend) {
    auto f = shape_of(feat, filter.size(2), filter.size(3));
    auto X = sequence_major(feat);
    ctx->save_for_backward({X, filter});
    ctx->saved_data["backend"] = backend;
    ctx->saved_data["deferred"] = deferred_terms(feat);
    return raw_apply(X, filter, f, static_cast<FilterBackend>(backend));
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    forbid_double_backward("apply_filter backward");
    auto saved = ctx->get_saved_variables();
    const auto& X = saved[0];
    const auto& filter = saved[1];
    const FilterShape f{X.size(0), X.size(1), X.size(4), X.size(2), X.size(3), filter.size(2), filter.size(3)};
    auto g = grads[0].contiguous();
    const auto backend = static_cast<FilterBackend>(ctx->saved_data["backend"].toInt());
    auto grad_filter = raw_transpose(X, g, f, backend);
    auto grad_feat = ctx->needs_input_grad(0) ? features_gradient(deferred(ctx), g, filter, f) : at::Tensor();
    return {grad_feat, grad_filter, at::Tensor()};
  }
};

struct FilterTransposeFunction : public torch::autograd::Function<FilterTransposeFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& feat, const at::Tensor& residual, int64_t kh,
                            int64_t kw, int64_t backend) {
    auto f = shape_of(feat, kh, kw);
    auto X = sequence_major(feat);
    auto r = residual.contiguous();
    ctx->save_for_backward({X, r});
    ctx->saved_data["backend"] = backend;
    ctx->saved_data["deferred"] = deferred_terms(feat);
    return raw_transpose(X, r, f, static_cast<FilterBackend>(backend));
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    forbid_double_backward("apply_filter_transpose backward");
    auto saved = ctx->get_saved_variables();
    const auto& X = saved[0];
    const auto& r = saved[1];
    auto gG = grads[0].contiguous();
    const FilterShape f{X.size(0), X.size(1), X.size(4), X.size(2), X.size(3), gG.size(2), gG.size(3)};
    auto grad_feat = ctx->needs_input_grad(0) ? features_gradient(deferred(ctx), r, gG, f) : at::Tensor();
    const auto backend = static_cast<FilterBackend>(ctx->saved_data["backend"].toInt());
    auto grad_residual = raw_apply(X, gG, f, backend);
    return {grad_feat, grad_residual, at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

// The filed terms summed as one GEMM per filter size: X's gradient (S, N·H·W, C) =
// [R_1 … R_n] [F_1; …; F_n], R_i the shifted scores gradients (S, N·H·W, k²), F_i the filters
// (S, k², C) — a product with n·k² inner terms instead of n products with k².
variable_list FuseFeatureGradientsFunction::backward(AutogradContext* ctx, variable_list grads) {
  forbid_double_backward("fuse_feature_gradients backward");
  auto* deferred = static_cast<FeatureGradientTerms*>(ctx->saved_data["terms"].toCapsule().get());
  std::vector<std::pair<at::Tensor, at::Tensor>> terms;
  {
    std::lock_guard<std::mutex> lock(deferred->mutex);
    terms.swap(deferred->terms);
  }
  at::Tensor total = grads[0];
  std::map<std::pair<int64_t, int64_t>, std::vector<size_t>> by_size;
  for (size_t i = 0; i < terms.size(); ++i) by_size[{terms[i].second.size(2), terms[i].second.size(3)}].push_back(i);
  const auto sizes = ctx->saved_data["sizes"].toIntVector();
  constexpr size_t kTermsPerProduct = 32;  // bounds the gathered R (kTermsPerProduct · k² columns)
  for (const auto& [k, members] : by_size) {
    const FilterShape f{sizes[1], sizes[0], sizes[2], sizes[3], sizes[4], k.first, k.second};
    const int64_t M = f.N * f.H * f.W;
    at::Tensor sum;
    for (size_t start = 0; start < members.size(); start += kTermsPerProduct) {
      std::vector<at::Tensor> R, F;
      for (size_t j = start; j < std::min(members.size(), start + kTermsPerProduct); ++j) {
        const auto& [g, filter] = terms[members[j]];
        R.push_back(cpu::shift_gather(g, f).view({f.S, M, f.K()}));
        F.push_back(filter.view({f.S, f.C, f.K()}));
      }
      const at::Tensor Rc = at::cat(R, 2), Ft = at::cat(F, 2).transpose(1, 2);
      sum = sum.defined() ? sum.baddbmm_(Rc, Ft) : at::bmm(Rc, Ft);
    }
    at::Tensor g = features_shape(sum.view({f.S, f.N, f.H, f.W, f.C}));
    total = total.defined() ? total + g : g;
  }
  return {total};
}

FilterBackend resolve(FilterBackend b, const at::Tensor& feat, const FilterShape& f) {
  if (b == FilterBackend::kAuto) {
    if (!feat.device().is_cpu()) return FilterBackend::kConv;
    return cpu::simd_kernel_applies(f, feat) ? FilterBackend::kSimd : FilterBackend::kBlas;
  }
  if (b != FilterBackend::kConv) {
    TORCH_CHECK(feat.device().is_cpu(), "filter ops: the BLAS, SIMD and Eigen backends run on CPU; features are on ",
                feat.device(), " (use FilterBackend::kConv or kAuto)");
  }
  TORCH_CHECK(b != FilterBackend::kSimd || cpu::simd_kernel_applies(f, feat),
              "filter ops: FilterBackend::kSimd needs float32 features, k*k <= 16 or C <= 64 (k <= 8), and an AVX-512 CPU (",
              feat.scalar_type(), ", ", f.kh, "x", f.kw, ", AVX-512 ", cpu::avx512_supported() ? "yes" : "no", ")");
#ifdef DIMP_NO_EIGEN
  TORCH_CHECK(b != FilterBackend::kEigen, "filter ops: this build has no Eigen (FilterBackend::kEigen)");
#endif
  TORCH_CHECK(b != FilterBackend::kEigen || feat.scalar_type() == at::kFloat,
              "filter ops: the Eigen backend takes float32 features, got ", feat.scalar_type());
  return b;
}

}  // namespace

bool simd_backend_available() { return cpu::avx512_supported(); }

bool is_filter_layout(const at::Tensor& feat) {
  auto f5 = as5d(feat);
  return f5.permute({1, 0, 3, 4, 2}).is_contiguous();
}

at::Tensor to_filter_layout(const at::Tensor& feat) {
  auto f5 = as5d(feat);
  if (is_filter_layout(f5)) return feat;
  auto out = f5.permute({1, 0, 3, 4, 2}).contiguous().permute({1, 0, 4, 2, 3});
  return feat.dim() == 4 ? out.squeeze(1) : out;
}

at::Tensor apply_filter(const at::Tensor& feat, const at::Tensor& filter, FilterBackend backend) {
  auto feat5 = as5d(feat);
  TORCH_CHECK(filter.defined() && filter.dim() == 4, "apply_filter: filter must be (sequences, C, kh, kw)");
  auto f = shape_of(feat5, filter.size(2), filter.size(3));
  check_filter(filter, f);
  check_same(feat, filter, "filter");
  backend = resolve(backend, feat, f);
  if (backend == FilterBackend::kConv) return conv_apply(feat5, filter, f);
  const bool needs_grad = at::GradMode::is_enabled() && (feat.requires_grad() || filter.requires_grad());
  if (needs_grad) return ApplyFilterFunction::apply(feat5, filter, static_cast<int64_t>(backend));
  return raw_apply(sequence_major(feat5), filter, f, backend);
}

at::Tensor apply_filter_transpose(const at::Tensor& feat, const at::Tensor& residual,
                                  std::pair<int64_t, int64_t> filter_size, FilterBackend backend) {
  auto feat5 = as5d(feat);
  auto f = shape_of(feat5, filter_size.first, filter_size.second);
  check_residual(residual, f);
  check_same(feat, residual, "residual");
  backend = resolve(backend, feat, f);
  if (backend == FilterBackend::kConv) return conv_transpose(feat5, residual, f);
  const bool needs_grad = at::GradMode::is_enabled() && (feat.requires_grad() || residual.requires_grad());
  if (needs_grad) {
    return FilterTransposeFunction::apply(feat5, residual, f.kh, f.kw, static_cast<int64_t>(backend));
  }
  return raw_transpose(sequence_major(feat5), residual.contiguous(), f, backend);
}

at::Tensor fuse_feature_gradients(const at::Tensor& feat) {
  if (!at::GradMode::is_enabled() || !feat.requires_grad()) return feat;
  if (deferred_terms(feat).isCapsule()) return feat;  // already fused
  TORCH_CHECK(feat.dim() == 5, "fuse_feature_gradients: features must be (images, sequences, C, H, W), got ",
              feat.sizes());
  return FuseFeatureGradientsFunction::apply(feat);
}

double filter_flops(const at::Tensor& feat, std::pair<int64_t, int64_t> filter_size) {
  auto f5 = as5d(feat);
  return 2.0 * static_cast<double>(f5.numel()) * static_cast<double>(filter_size.first * filter_size.second);
}

}  // namespace dimp::optim
