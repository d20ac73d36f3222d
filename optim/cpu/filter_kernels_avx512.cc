// AVX-512 micro-kernels of the shifted-GEMM filter ops for the paper's filter sizes
// (k*k <= 16 columns): P = X·F and G = Xᵀ·R with X (rows x C) streamed once. Few-channel
// features (C <= 64) go to the direct kernels of filter_kernels_direct.cc instead.
//
// BLAS handles these skinny products (16 columns) poorly once X outgrows the caches; here
// one 16-lane register holds a whole output row (apply) or one channel's 16 gradient
// entries (transpose), and every FMA takes its broadcast operand straight from X, so the
// FMA units, not the loads, bound the speed. The common channel counts are compile-time
// constants (row offsets become immediates, freeing registers for accumulators). Compiled
// for AVX-512 via target attributes; used only when the CPU has it (avx512_supported()).
#include <ATen/Parallel.h>
#include <immintrin.h>

#include <algorithm>

#include "optim/cpu/filter_kernels.h"

namespace dimp::optim::cpu {
namespace {

constexpr int kApplyRows = 12;      // apply: rows sharing one load of F[c]
constexpr int kChannelBlock = 16;   // transpose: channels whose accumulators stay in registers
constexpr int64_t kRowTile = 256;   // transpose: rows per L2-resident tile

// P[r0:r1, :K] = X[r0:r1, :] · F (C x K). kC > 0: the channel count as a constant.
template <int64_t kC>
__attribute__((target("avx512f"))) void apply_rows(const float* X, const float* F, float* P, int64_t r0, int64_t r1,
                                                   int64_t C_runtime, int64_t K) {
  const int64_t C = kC > 0 ? kC : C_runtime;
  const __mmask16 mask = static_cast<__mmask16>((1u << K) - 1u);
  int64_t r = r0;
  for (; r + kApplyRows <= r1; r += kApplyRows) {
    __m512 acc[kApplyRows];
#pragma GCC unroll 16
    for (int i = 0; i < kApplyRows; ++i) acc[i] = _mm512_setzero_ps();
    const float* x = X + r * C;
    for (int64_t c = 0; c < C; ++c) {
      const __m512 f = _mm512_maskz_loadu_ps(mask, F + c * K);
#pragma GCC unroll 16
      for (int i = 0; i < kApplyRows; ++i) acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(x[i * C + c]), f, acc[i]);
    }
#pragma GCC unroll 16
    for (int i = 0; i < kApplyRows; ++i) _mm512_mask_storeu_ps(P + (r + i) * K, mask, acc[i]);
  }
  for (; r < r1; ++r) {
    __m512 acc = _mm512_setzero_ps();
    const float* x = X + r * C;
    for (int64_t c = 0; c < C; ++c) acc = _mm512_fmadd_ps(_mm512_set1_ps(x[c]), _mm512_maskz_loadu_ps(mask, F + c * K), acc);
    _mm512_mask_storeu_ps(P + r * K, mask, acc);
  }
}

// G[c0:c1, :] += sum over `rows` rows of X[row, c0:c1]ᵀ · R[row, :].
__attribute__((target("avx512f"))) void transpose_channels(const float* X, const float* R, float* G, int64_t rows,
                                                           int64_t C, int64_t K, int64_t c0, int64_t c1) {
  const __mmask16 mask = static_cast<__mmask16>((1u << K) - 1u);
  int64_t cb = c0;
  for (; cb + kChannelBlock <= c1; cb += kChannelBlock) {
    __m512 acc[kChannelBlock];
#pragma GCC unroll 16
    for (int j = 0; j < kChannelBlock; ++j) acc[j] = _mm512_setzero_ps();
    for (int64_t r = 0; r < rows; ++r) {
      const __m512 rv = _mm512_maskz_loadu_ps(mask, R + r * K);
      const float* x = X + r * C + cb;
#pragma GCC unroll 16
      for (int j = 0; j < kChannelBlock; ++j) acc[j] = _mm512_fmadd_ps(_mm512_set1_ps(x[j]), rv, acc[j]);
    }
#pragma GCC unroll 16
    for (int j = 0; j < kChannelBlock; ++j) {
      float* g = G + (cb + j) * K;
      _mm512_mask_storeu_ps(g, mask, _mm512_add_ps(_mm512_maskz_loadu_ps(mask, g), acc[j]));
    }
  }
  for (; cb < c1; ++cb) {  // leftover channels, one at a time
    __m512 acc = _mm512_setzero_ps();
    for (int64_t r = 0; r < rows; ++r) {
      acc = _mm512_fmadd_ps(_mm512_set1_ps(X[r * C + cb]), _mm512_maskz_loadu_ps(mask, R + r * K), acc);
    }
    float* g = G + cb * K;
    _mm512_mask_storeu_ps(g, mask, _mm512_add_ps(_mm512_maskz_loadu_ps(mask, g), acc));
  }
}

using ApplyFn = void (*)(const float*, const float*, float*, int64_t, int64_t, int64_t, int64_t);

ApplyFn apply_for(int64_t C) {
  switch (C) {
    case 256: return &apply_rows<256>;
    case 512: return &apply_rows<512>;
    case 1024: return &apply_rows<1024>;
    default: return &apply_rows<0>;
  }
}

}  // namespace

bool avx512_supported() {
  static const bool ok = __builtin_cpu_supports("avx512f");
  return ok;
}

bool simd_kernel_applies(const FilterShape& f, const at::Tensor& X) {
  return direct_kernel_applies(f, X) || (avx512_supported() && X.scalar_type() == at::kFloat && f.K() <= 16);
}

at::Tensor apply_simd(const at::Tensor& X, const at::Tensor& filter_in, const FilterShape& f) {
  if (direct_kernel_applies(f, X)) return apply_direct(X, filter_in, f);
  auto filter = filter_in.contiguous();
  const int64_t rows = f.N * f.H * f.W;
  auto P = at::empty({f.S, f.N, f.H, f.W, f.K()}, X.options());
  const float* x = X.data_ptr<float>();
  const float* w = filter.data_ptr<float>();
  float* p = P.data_ptr<float>();
  const ApplyFn apply = apply_for(f.C);
  // One task per (sequence, block of rows): whole row groups, so no partial groups split.
  const int64_t block = kApplyRows * 16;
  const int64_t blocks_per_seq = (rows + block - 1) / block;
  at::parallel_for(0, f.S * blocks_per_seq, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t s = b / blocks_per_seq, r0 = (b % blocks_per_seq) * block;
      apply(x + s * rows * f.C, w + s * f.C * f.K(), p + s * rows * f.K(), r0, std::min(rows, r0 + block), f.C, f.K());
    }
  });
  return shift_sum(P, f);
}

at::Tensor transpose_simd(const at::Tensor& X, const at::Tensor& r, const FilterShape& f) {
  if (direct_kernel_applies(f, X)) return transpose_direct(X, r, f);
  auto R = shift_gather(r, f);
  const int64_t rows = f.N * f.H * f.W;
  auto G = at::zeros({f.S, f.C, f.kh, f.kw}, X.options());
  const float* x = X.data_ptr<float>();
  const float* rr = R.data_ptr<float>();
  float* g = G.data_ptr<float>();
  // Tasks own disjoint (sequence, channel block) ranges, so no two write the same G entries;
  // rows go in tiles that stay in L2 while the task's channel blocks read them.
  const int64_t cblocks = (f.C + kChannelBlock - 1) / kChannelBlock;
  at::parallel_for(0, f.S * cblocks, 1, [&](int64_t t0, int64_t t1) {
    while (t0 < t1) {
      const int64_t s = t0 / cblocks;
      const int64_t end = std::min(t1, (s + 1) * cblocks);  // stay within one sequence
      const int64_t c0 = (t0 - s * cblocks) * kChannelBlock, c1 = std::min(f.C, (end - s * cblocks) * kChannelBlock);
      for (int64_t t = 0; t < rows; t += kRowTile) {
        // Touch the tile's columns row after row first: strided first reads of X (one line
        // per row, C floats apart) would otherwise each wait for memory.
        const float* tile = x + (s * rows + t) * f.C;
        for (int64_t row = 0; row < std::min(kRowTile, rows - t); ++row) {
          for (int64_t c = c0; c < c1; c += 16) _mm_prefetch(reinterpret_cast<const char*>(tile + row * f.C + c), _MM_HINT_T1);
        }
        transpose_channels(x + (s * rows + t) * f.C, rr + (s * rows + t) * f.K(), g + s * f.C * f.K(),
                           std::min(kRowTile, rows - t), f.C, f.K(), c0, c1);
      }
      t0 = end;
    }
  });
  return G;
}

}  // namespace dimp::optim::cpu
