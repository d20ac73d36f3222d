#include "bbox/cpu/few_rows_matmul.h"

#include <ATen/Parallel.h>
#include <immintrin.h>

#include <algorithm>
#include <utility>

#include "bbox/cpu/avx512_sum.h"

namespace dimp::bbox::cpu {
namespace {

constexpr int kMaxRows = 6;    // rows per pass: 6 x 4 accumulators + 4 B vectors + 1 broadcast < 32 zmm
constexpr int kChunks = 4;     // 16-float vectors per column block
constexpr int64_t kColumns = 16 * kChunks;

bool has_avx512() {
  static const bool yes = __builtin_cpu_supports("avx512f");
  return yes;
}

// Compile-time row and column counts for the kernels from run-time ones.
template <class F, int... G>
void with_rows_impl(int rows, F& f, std::integer_sequence<int, G...>) {
  ((rows == G + 1 ? f(std::integral_constant<int, G + 1>{}) : void()), ...);
}
template <int Most, class F>
void with_rows(int rows, F&& f) {
  with_rows_impl(rows, f, std::make_integer_sequence<int, Most>{});
}

// Even row passes (10 rows: 5 + 5, not 6 + 4) keep every pass equally compute-bound.
int64_t rows_per_pass(int64_t M, int64_t most) {
  const int64_t passes = (M + most - 1) / most;
  return (M + passes - 1) / passes;
}

// Register accumulators of the kernels below: zeroed, and (dot kernels) reduced into y.
template <int G, int R>
__attribute__((target("avx512f"))) inline void zero(__m512 (&acc)[G][R]) {
#pragma GCC unroll 16
  for (int g = 0; g < G; ++g) {
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) acc[g][r] = _mm512_setzero_ps();
  }
}

// y[g, r] = sum of acc[g][r]'s lanes + bias[r] (rows of y N apart).
template <int G, int R>
__attribute__((target("avx512f"))) inline void store_dots(const __m512 (&acc)[G][R], const float* bias, float* y,
                                                          int64_t N) {
#pragma GCC unroll 16
  for (int g = 0; g < G; ++g) {
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) y[g * N + r] = horizontal_sum(acc[g][r]) + (bias ? bias[r] : 0.f);
  }
}

// axpy_blocks: the x·b driver. Blocks of 64 output columns in parallel, x's rows in passes;
// block(G, first_row, first_column, mask) with G a compile-time row count.
template <class Block>
void axpy_blocks(int64_t M, int64_t N, Block&& block) {
  const int64_t per_pass = rows_per_pass(M, kMaxRows);
  at::parallel_for(0, (N + kColumns - 1) / kColumns, 1, [&](int64_t begin, int64_t end) {
    for (int64_t blk = begin; blk < end; ++blk) {
      const int64_t j0 = blk * kColumns;
      __mmask16 mask[kChunks];
      for (int c = 0; c < kChunks; ++c) {
        const int64_t n = std::clamp<int64_t>(N - j0 - 16 * c, 0, 16);
        mask[c] = static_cast<__mmask16>((1u << n) - 1u);
      }
      for (int64_t m = 0; m < M; m += per_pass) {
        with_rows<kMaxRows>(static_cast<int>(std::min(per_pass, M - m)), [&](auto g) { block(g, m, j0, mask); });
      }
    }
  });
}

// G rows of x times the column block [j0, j0 + 64) of b; `mask` selects each chunk's columns.
// (GCC keeps the accumulators in registers only once the fixed-count loops are unrolled.)
template <int G>
__attribute__((target("avx512f"))) void block_avx512(const float* x, const float* b, const float* bias, float* y,
                                                      int64_t K, int64_t N, int64_t j0, const __mmask16 (&mask)[kChunks]) {
  __m512 acc[G][kChunks];
#pragma GCC unroll 16
  for (int c = 0; c < kChunks; ++c) {
    const __m512 init = bias ? _mm512_maskz_loadu_ps(mask[c], bias + j0 + 16 * c) : _mm512_setzero_ps();
#pragma GCC unroll 16
    for (int g = 0; g < G; ++g) acc[g][c] = init;
  }
  const float* col = b + j0;
  for (int64_t k = 0; k < K; ++k, col += N) {
    __m512 v[kChunks];
#pragma GCC unroll 16
    for (int c = 0; c < kChunks; ++c) v[c] = _mm512_maskz_loadu_ps(mask[c], col + 16 * c);
#pragma GCC unroll 16
    for (int g = 0; g < G; ++g) {
      const __m512 a = _mm512_set1_ps(x[g * K + k]);
#pragma GCC unroll 16
      for (int c = 0; c < kChunks; ++c) acc[g][c] = _mm512_fmadd_ps(a, v[c], acc[g][c]);
    }
  }
#pragma GCC unroll 16
  for (int g = 0; g < G; ++g) {
#pragma GCC unroll 16
    for (int c = 0; c < kChunks; ++c) _mm512_mask_storeu_ps(y + g * N + j0 + 16 * c, mask[c], acc[g][c]);
  }
}

void matmul_avx512(const float* x, const float* b, const float* bias, float* y, int64_t M, int64_t K, int64_t N) {
  axpy_blocks(M, N, [&](auto g, int64_t m, int64_t j0, const auto& mask) {
    block_avx512<decltype(g)::value>(x + m * K, b, bias, y + m * N, K, N, j0, mask);
  });
}

// x · bᵀ for b (N, K): G rows of x dotted with R rows of b, K reduced in vector lanes first.
template <int G, int R>
__attribute__((target("avx512f"))) void dots_avx512(const float* x, const float* b, const float* bias, float* y,
                                                     int64_t K, int64_t N) {
  __m512 acc[G][R];
  zero(acc);
  for (int64_t k = 0; k < K; k += 16) {
    const __mmask16 m = static_cast<__mmask16>(K - k >= 16 ? 0xFFFFu : (1u << (K - k)) - 1u);
    __m512 v[R];
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) v[r] = _mm512_maskz_loadu_ps(m, b + r * K + k);
#pragma GCC unroll 16
    for (int g = 0; g < G; ++g) {
      const __m512 a = _mm512_maskz_loadu_ps(m, x + g * K + k);
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) acc[g][r] = _mm512_fmadd_ps(a, v[r], acc[g][r]);
    }
  }
  store_dots(acc, bias, y, N);
}

constexpr int kDotRows = 6, kDotColumns = 4;  // 24 accumulators

// dot_blocks: the x·bᵀ driver. Blocks of kDotColumns rows of b in parallel (each read from
// memory once, then from cache for the later row passes); dots(G, R, first_row, first_b_row).
template <class Dots>
void dot_blocks(int64_t M, int64_t N, Dots&& dots) {
  const int64_t per_pass = rows_per_pass(M, kDotRows);
  at::parallel_for(0, (N + kDotColumns - 1) / kDotColumns, 1, [&](int64_t begin, int64_t end) {
    for (int64_t blk = begin; blk < end; ++blk) {
      const int64_t n0 = blk * kDotColumns;
      const int cols = static_cast<int>(std::min<int64_t>(kDotColumns, N - n0));
      for (int64_t m = 0; m < M; m += per_pass) {
        with_rows<kDotRows>(static_cast<int>(std::min(per_pass, M - m)), [&](auto g) {
          with_rows<kDotColumns>(cols, [&](auto r) { dots(g, r, m, n0); });
        });
      }
    }
  });
}

void matmul_bt_avx512(const float* x, const float* b, const float* bias, float* y, int64_t M, int64_t K, int64_t N) {
  dot_blocks(M, N, [&](auto g, auto r, int64_t m, int64_t n0) {
    dots_avx512<decltype(g)::value, decltype(r)::value>(x + m * K, b + n0 * K, bias ? bias + n0 : nullptr,
                                                        y + m * N + n0, K, N);
  });
}

}  // namespace

void few_rows_matmul(const float* x, const float* b, const float* bias, float* y, int64_t M, int64_t K, int64_t N) {
  if (M == 0 || N == 0) return;
  if (has_avx512()) return matmul_avx512(x, b, bias, y, M, K, N);
  auto out = at::from_blob(y, {M, N});
  auto bx = at::from_blob(const_cast<float*>(x), {M, K}), bb = at::from_blob(const_cast<float*>(b), {K, N});
  if (bias) {
    at::addmm_out(out, at::from_blob(const_cast<float*>(bias), {N}).expand({M, N}), bx, bb);
  } else {
    at::mm_out(out, bx, bb);
  }
}

void few_rows_matmul_bt(const float* x, const float* b, const float* bias, float* y, int64_t M, int64_t K, int64_t N) {
  if (M == 0 || N == 0) return;
  if (has_avx512()) return matmul_bt_avx512(x, b, bias, y, M, K, N);
  auto out = at::from_blob(y, {M, N});
  auto bx = at::from_blob(const_cast<float*>(x), {M, K}), bb = at::from_blob(const_cast<float*>(b), {N, K});
  if (bias) {
    at::addmm_out(out, at::from_blob(const_cast<float*>(bias), {N}).expand({M, N}), bx, bb.t());
  } else {
    at::mm_out(out, bx, bb.t());
  }
}

namespace {

// The checks and copies both tensor forms share; `transposed`: b is (N, K).
at::Tensor matmul_tensor(const at::Tensor& x, const at::Tensor& b, const at::Tensor& bias, bool transposed) {
  const int64_t K = transposed ? b.size(1) : b.size(0), N = transposed ? b.size(0) : b.size(1);
  TORCH_CHECK(x.dim() == 2 && b.dim() == 2 && x.size(1) == K, "few_rows_matmul: x ", x.sizes(), " and b",
              transposed ? "ᵀ " : " ", b.sizes(), " do not multiply");
  TORCH_CHECK(x.scalar_type() == at::kFloat && b.scalar_type() == at::kFloat && x.is_cpu() && b.is_cpu(),
              "few_rows_matmul: float CPU tensors only, got ", x.toString(), " and ", b.toString());
  TORCH_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == N && bias.scalar_type() == at::kFloat),
              "few_rows_matmul: bias must be (", N, ") float");
  auto xc = x.contiguous(), bc = b.contiguous();
  auto biasc = bias.defined() ? bias.contiguous() : bias;
  auto y = at::empty({x.size(0), N}, x.options());
  const float* bias_data = biasc.defined() ? biasc.data_ptr<float>() : nullptr;
  if (transposed) {
    few_rows_matmul_bt(xc.data_ptr<float>(), bc.data_ptr<float>(), bias_data, y.data_ptr<float>(), x.size(0), K, N);
  } else {
    few_rows_matmul(xc.data_ptr<float>(), bc.data_ptr<float>(), bias_data, y.data_ptr<float>(), x.size(0), K, N);
  }
  return y;
}

}  // namespace

at::Tensor few_rows_matmul_bt(const at::Tensor& x, const at::Tensor& b, const at::Tensor& bias) {
  return matmul_tensor(x, b, bias, /*transposed=*/true);
}

at::Tensor few_rows_matmul(const at::Tensor& x, const at::Tensor& b, const at::Tensor& bias) {
  return matmul_tensor(x, b, bias, /*transposed=*/false);
}

namespace {

// x · bᵀ in bfloat16: G rows of x against R rows of b, 32 values (16 pairs) per instruction.
template <int G, int R>
__attribute__((target("avx512f,avx512bf16"))) void dots_bf16(const uint16_t* x, const uint16_t* b,
                                                              const float* bias, float* y, int64_t K, int64_t N) {
  __m512 acc[G][R];
  zero(acc);
  for (int64_t k = 0; k < K; k += 32) {
    __m512bh v[R];
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) v[r] = (__m512bh)_mm512_loadu_si512(b + r * K + k);
#pragma GCC unroll 16
    for (int g = 0; g < G; ++g) {
      const __m512bh a = (__m512bh)_mm512_loadu_si512(x + g * K + k);
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) acc[g][r] = _mm512_dpbf16_ps(acc[g][r], a, v[r]);
    }
  }
  store_dots(acc, bias, y, N);
}

// x · b with b as row pairs (N/2, K, 2): each x pair (32 bits) broadcast against 16 columns.
template <int G>
__attribute__((target("avx512f,avx512bf16"))) void pairs_bf16(const uint32_t* x, const uint32_t* b, float* y,
                                                               int64_t pairs, int64_t K, int64_t k0,
                                                               const __mmask16 (&mask)[kChunks]) {
  __m512 acc[G][kChunks];
  zero(acc);
  const uint32_t* col = b + k0;
  for (int64_t p = 0; p < pairs; ++p, col += K) {
    __m512bh v[kChunks];
#pragma GCC unroll 16
    for (int c = 0; c < kChunks; ++c) v[c] = (__m512bh)_mm512_maskz_loadu_epi32(mask[c], col + 16 * c);
#pragma GCC unroll 16
    for (int g = 0; g < G; ++g) {
      const __m512bh a = (__m512bh)_mm512_set1_epi32(static_cast<int>(x[g * pairs + p]));
#pragma GCC unroll 16
      for (int c = 0; c < kChunks; ++c) acc[g][c] = _mm512_dpbf16_ps(acc[g][c], a, v[c]);
    }
  }
#pragma GCC unroll 16
  for (int g = 0; g < G; ++g) {
#pragma GCC unroll 16
    for (int c = 0; c < kChunks; ++c) _mm512_mask_storeu_ps(y + g * K + k0 + 16 * c, mask[c], acc[g][c]);
  }
}

}  // namespace

bool has_native_bf16() {
  static const bool yes = __builtin_cpu_supports("avx512bf16");
  return yes;
}

at::Tensor pack_row_pairs(const at::Tensor& b) {
  TORCH_CHECK(b.dim() == 2 && b.size(0) % 2 == 0, "pack_row_pairs: b must be (N, K) with N even, got ", b.sizes());
  return b.reshape({b.size(0) / 2, 2, b.size(1)}).permute({0, 2, 1}).to(at::kBFloat16).contiguous();
}

at::Tensor few_rows_matmul_bt_bf16(const at::Tensor& x, const at::Tensor& b, const at::Tensor& bias) {
  TORCH_CHECK(has_native_bf16(), "few_rows_matmul_bt_bf16: this CPU has no AVX512-BF16");
  TORCH_CHECK(x.dim() == 2 && b.dim() == 2 && x.size(1) == b.size(1) && b.size(1) % 32 == 0 &&
                  b.scalar_type() == at::kBFloat16 && x.scalar_type() == at::kFloat,
              "few_rows_matmul_bt_bf16: x (M, K) float and b (N, K) bfloat16 with K % 32 == 0, got ", x.sizes(),
              " and ", b.sizes(), " ", b.scalar_type());
  TORCH_CHECK(!bias.defined() || (bias.numel() == b.size(0) && bias.scalar_type() == at::kFloat),
              "few_rows_matmul_bt_bf16: bias must be (", b.size(0), ") float");
  const int64_t M = x.size(0), K = x.size(1), N = b.size(0);
  const auto xb = x.to(at::kBFloat16).contiguous();
  const auto bc = b.contiguous();
  const auto biasc = bias.defined() ? bias.contiguous() : bias;
  auto y = at::empty({M, N}, x.options());
  const auto* xp = reinterpret_cast<const uint16_t*>(xb.data_ptr<at::BFloat16>());
  const auto* bp = reinterpret_cast<const uint16_t*>(bc.data_ptr<at::BFloat16>());
  const float* biasp = biasc.defined() ? biasc.data_ptr<float>() : nullptr;
  float* yp = y.data_ptr<float>();
  dot_blocks(M, N, [&](auto g, auto r, int64_t m, int64_t n0) {
    dots_bf16<decltype(g)::value, decltype(r)::value>(xp + m * K, bp + n0 * K, biasp ? biasp + n0 : nullptr,
                                                      yp + m * N + n0, K, N);
  });
  return y;
}

at::Tensor few_rows_matmul_pairs_bf16(const at::Tensor& x, const at::Tensor& b_pairs) {
  TORCH_CHECK(has_native_bf16(), "few_rows_matmul_pairs_bf16: this CPU has no AVX512-BF16");
  TORCH_CHECK(x.dim() == 2 && b_pairs.dim() == 3 && b_pairs.size(2) == 2 && x.size(1) == 2 * b_pairs.size(0) &&
                  b_pairs.scalar_type() == at::kBFloat16 && x.scalar_type() == at::kFloat,
              "few_rows_matmul_pairs_bf16: x (M, N) float and pack_row_pairs of an (N, K) matrix, got ", x.sizes(),
              " and ", b_pairs.sizes(), " ", b_pairs.scalar_type());
  const int64_t M = x.size(0), pairs = b_pairs.size(0), K = b_pairs.size(1);
  const auto xb = x.to(at::kBFloat16).contiguous();
  const auto bc = b_pairs.contiguous();
  auto y = at::empty({M, K}, x.options());
  const auto* xp = reinterpret_cast<const uint32_t*>(xb.data_ptr<at::BFloat16>());
  const auto* bp = reinterpret_cast<const uint32_t*>(bc.data_ptr<at::BFloat16>());
  float* yp = y.data_ptr<float>();
  axpy_blocks(M, K, [&](auto g, int64_t m, int64_t k0, const auto& mask) {
    pairs_bf16<decltype(g)::value>(xp + m * pairs, bp, yp + m * K, pairs, K, k0, mask);
  });
  return y;
}

}  // namespace dimp::bbox::cpu
