// bbox/cpu/few_rows_matmul.h — y = x·B (+ bias) for a few rows x (M ≲ 32) and a large B.
//
// IoU-Net refinement multiplies 10 pooled boxes by fc3_rt's 6400 x 256 weight, forward and
// backward, 5 times a frame. BLAS packs all of B on every such call and then runs a GEMM
// that has 10 rows to amortize it: memory-bound at a few GB/s. Here each block of B's columns
// is read once per group of up to 6 rows, with the rows' entries broadcast from cache, so
// the product runs at the FMA units' speed (AVX-512 where the CPU has it; BLAS otherwise).
// The _bt form multiplies by bᵀ, so that a layer's forward (x·Wᵀ) and backward (dy·W) passes
// share one copy of W (N, K): the IoU-Net's weights then fit the cache next to the features.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>

namespace dimp::bbox::cpu {

// few_rows_matmul: x (M, K) · b (K, N), both row-major contiguous float; bias (N) or undefined.
at::Tensor few_rows_matmul(const at::Tensor& x, const at::Tensor& b, const at::Tensor& bias = {});

// bfloat16 variants (AVX512-BF16 dot products, float accumulation), for weights kept in
// bfloat16: half the bytes, twice the multiply rate. Inputs are rounded to bfloat16.
//   few_rows_matmul_bt_bf16: x (M, K) float · bᵀ, b (N, K) bfloat16, K a multiple of 32.
//   few_rows_matmul_pairs_bf16: x (M, N) float · b, with b (N, K) given as pack_row_pairs(b)
//     (N/2, K, 2) bfloat16, N even: row pairs interleaved so each 32-bit lane holds the two
//     values one dot-product instruction multiplies.
bool has_native_bf16();
at::Tensor few_rows_matmul_bt_bf16(const at::Tensor& x, const at::Tensor& b, const at::Tensor& bias = {});
at::Tensor few_rows_matmul_pairs_bf16(const at::Tensor& x, const at::Tensor& b_pairs);
at::Tensor pack_row_pairs(const at::Tensor& b);

// few_rows_matmul_bt: x (M, K) · bᵀ for b (N, K).
at::Tensor few_rows_matmul_bt(const at::Tensor& x, const at::Tensor& b, const at::Tensor& bias = {});

// The raw kernels: y (M, N) = x (M, K) · b + bias (b: (K, N), or (N, K) for _bt), all dense.
void few_rows_matmul(const float* x, const float* b, const float* bias, float* y, int64_t M, int64_t K, int64_t N);
void few_rows_matmul_bt(const float* x, const float* b, const float* bias, float* y, int64_t M, int64_t K, int64_t N);

}  // namespace dimp::bbox::cpu
