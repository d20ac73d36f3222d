// optim/cpu/filter_kernels.h — CPU kernels of the shifted-GEMM filter ops (see filter_ops.h).
//
// X is the features as a contiguous (S, N, H, W, C) tensor (sequence-major, channels-last);
// filters are contiguous (S, C, kh, kw); scores and residuals (N, S, Ho, Wo).
// Internal to optim/: callers use filter_ops.h, which checks shapes and picks a backend.
#pragma once

#include <ATen/ATen.h>

namespace dimp::optim::cpu {

// FilterShape: the sizes every kernel needs.
struct FilterShape {
  int64_t S, N, C, H, W, kh, kw;
  int64_t pad_h() const { return kh / 2; }
  int64_t pad_w() const { return kw / 2; }
  int64_t Ho() const { return H + 2 * pad_h() - kh + 1; }
  int64_t Wo() const { return W + 2 * pad_w() - kw + 1; }
  int64_t K() const { return kh * kw; }
};

// shift_sum: scores[n,s,yo,xo] = sum_d P[s,n,yo+dy-ph,xo+dx-pw,d] (P: (S,N,H,W,K)).
at::Tensor shift_sum(const at::Tensor& P, const FilterShape& f);
// shift_gather: R[s,n,y,x,d] = r[n,s,y-dy+ph,x-dx+pw] (0 outside) — the adjoint of shift_sum.
at::Tensor shift_gather(const at::Tensor& r, const FilterShape& f);

// GEMM kernels through LibTorch's BLAS.
at::Tensor apply_gemm(const at::Tensor& X, const at::Tensor& filter, const FilterShape& f);
at::Tensor transpose_gemm(const at::Tensor& X, const at::Tensor& r, const FilterShape& f);
// feature_grad_gemm: d<r, apply(X, filter)>/dX as (S, N, H, W, C).
at::Tensor feature_grad_gemm(const at::Tensor& r, const at::Tensor& filter, const FilterShape& f);

// The same apply/transpose with our AVX-512 micro-kernels (float32 on CPUs with AVX-512F;
// check simd_kernel_applies()): direct kernels for few channels (C <= 64, kh, kw <= 8),
// otherwise shifted GEMMs (k*k <= 16).
bool avx512_supported();
bool simd_kernel_applies(const FilterShape& f, const at::Tensor& X);
at::Tensor apply_simd(const at::Tensor& X, const at::Tensor& filter, const FilterShape& f);
at::Tensor transpose_simd(const at::Tensor& X, const at::Tensor& r, const FilterShape& f);
// The direct kernels alone (filter_kernels_direct.cc).
bool direct_kernel_applies(const FilterShape& f, const at::Tensor& X);
at::Tensor apply_direct(const at::Tensor& X, const at::Tensor& filter, const FilterShape& f);
at::Tensor transpose_direct(const at::Tensor& X, const at::Tensor& r, const FilterShape& f);

// The same apply/transpose with Eigen's GEMM (float32).
at::Tensor apply_eigen(const at::Tensor& X, const at::Tensor& filter, const FilterShape& f);
at::Tensor transpose_eigen(const at::Tensor& X, const at::Tensor& r, const FilterShape& f);

}  // namespace dimp::optim::cpu
