// Direct AVX-512 filter ops for few channels (C <= 64): each score is its kh·kw·C products
// summed in registers, and each gradient entry its sum over the scores' pixels.
//
// The shifted GEMMs (filter_kernels_avx512.cc) write k² intermediate columns per pixel and
// sum shifted views of them; with the weight-free tracker's 31 channels on 32x32 maps that
// traffic, not the arithmetic, is the cost (k = 5: apply 2.9 ms, transpose 4.4 ms for 50
// samples). Here the features are read in place: a pixel's C channels are NV = ceil(C/16)
// registers, the filter is re-laid out once per call as (S, kh, kw, C) padded to NV·16.
#include <ATen/Parallel.h>
#include <immintrin.h>

#include <algorithm>
#include <type_traits>
#include <vector>

#include "bbox/cpu/avx512_sum.h"
#include "optim/cpu/filter_kernels.h"

namespace dimp::optim::cpu {
namespace {

constexpr int64_t kMaxChannels = 64, kMaxSide = 8;

// The filter (S, C, kh, kw) as (S, kh, kw, NV·16) floats, zero-padded channels.
std::vector<float> taps_channels_last(const at::Tensor& filter, const FilterShape& f, int64_t padded) {
  const auto w = filter.contiguous();
  const float* src = w.data_ptr<float>();
  std::vector<float> out(static_cast<size_t>(f.S * f.kh * f.kw * padded), 0.0f);
  for (int64_t s = 0; s < f.S; ++s)
    for (int64_t c = 0; c < f.C; ++c)
      for (int64_t t = 0; t < f.kh * f.kw; ++t) out[(s * f.kh * f.kw + t) * padded + c] = src[(s * f.C + c) * f.K() + t];
  return out;
}

// The mask of a pixel's last channel register (the C % 16 channels left, or all 16).
inline __mmask16 last_channel_mask(int64_t C) {
  const int64_t n = C % 16 == 0 ? 16 : C % 16;
  return static_cast<__mmask16>((1u << n) - 1u);
}

// Accumulators for L outputs (or pixels) of NV registers each, zeroed.
template <int L, int NV>
__attribute__((target("avx512f"))) inline void zero(__m512 (&acc)[L][NV]) {
#pragma GCC unroll 8
  for (int i = 0; i < L; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();
}

// One pixel's channel register v: full loads, the last one masked to the C % 16 channels.
template <int NV>
__attribute__((target("avx512f"))) inline __m512 load_channels(const float* px, int v, __mmask16 last) {
  return v < NV - 1 ? _mm512_loadu_ps(px + 16 * v) : _mm512_maskz_loadu_ps(last, px + 16 * v);
}

// Outputs (apply) or pixels (transpose) in flight per register set: about 8 independent
// accumulator chains, so the FMAs' latency is hidden.
template <int NV>
constexpr int kLanes = NV == 1 ? 8 : (NV == 2 ? 4 : (NV == 3 ? 3 : 2));

// scores of one output row (s, n, yo): Wo dot products of kh·kw pixels' channels with the taps,
// kLanes neighbouring outputs at a time sharing each tap's load.
template <int NV>
__attribute__((target("avx512f"))) void apply_row(const float* X, const float* taps, float* out, const FilterShape& f,
                                                  int64_t yo) {
  constexpr int L = kLanes<NV>;
  const __mmask16 last = last_channel_mask(f.C);
  const int64_t ph = f.pad_h(), pw = f.pad_w(), Wo = f.Wo();
  for (int64_t xo = 0; xo < Wo; xo += L) {
    const int lanes = static_cast<int>(std::min<int64_t>(L, Wo - xo));
    __m512 acc[L][NV];
    zero(acc);
    // Interior blocks: every lane reads every tap's pixel, no bounds to test.
    const bool interior = lanes == L && xo >= pw && xo + L - 1 + f.kw - 1 - pw < f.W;
    for (int64_t dy = 0; dy < f.kh; ++dy) {
      const int64_t y = yo + dy - ph;
      if (y < 0 || y >= f.H) continue;
      const float* row = X + y * f.W * f.C;
      if (interior) {
        const float* base = row + (xo - pw) * f.C;
        for (int64_t dx = 0; dx < f.kw; ++dx) {
          const float* tap = taps + (dy * f.kw + dx) * NV * 16;
          const float* p0 = base + dx * f.C;
#pragma GCC unroll 4
          for (int v = 0; v < NV; ++v) {
            const __m512 t = _mm512_loadu_ps(tap + 16 * v);
#pragma GCC unroll 8
            for (int i = 0; i < L; ++i) acc[i][v] = _mm512_fmadd_ps(load_channels<NV>(p0 + i * f.C, v, last), t, acc[i][v]);
          }
        }
        continue;
      }
      for (int64_t dx = 0; dx < f.kw; ++dx) {
        const float* tap = taps + (dy * f.kw + dx) * NV * 16;
        __m512 t[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) t[v] = _mm512_loadu_ps(tap + 16 * v);
#pragma GCC unroll 8
        for (int i = 0; i < L; ++i) {
          const int64_t x = xo + i + dx - pw;
          if (i >= lanes || x < 0 || x >= f.W) continue;
          const float* px = row + x * f.C;
#pragma GCC unroll 4
          for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(load_channels<NV>(px, v, last), t[v], acc[i][v]);
        }
      }
    }
#pragma GCC unroll 8
    for (int i = 0; i < L; ++i) {
      if (i >= lanes) break;
#pragma GCC unroll 4
      for (int v = 1; v < NV; ++v) acc[i][0] = _mm512_add_ps(acc[i][0], acc[i][v]);
      out[xo + i] = bbox::cpu::horizontal_sum(acc[i][0]);
    }
  }
}

// G (kh, kw, NV·16) += the gradient contributions of one residual row (s, n, yo), kLanes
// pixels of the row at a time into separate accumulators.
template <int NV>
__attribute__((target("avx512f"))) void transpose_row(const float* X, const float* r, float* G, const FilterShape& f,
                                                      int64_t yo) {
  constexpr int L = kLanes<NV>;
  const __mmask16 last = last_channel_mask(f.C);
  const int64_t ph = f.pad_h(), pw = f.pad_w();
  for (int64_t dy = 0; dy < f.kh; ++dy) {
    const int64_t y = yo + dy - ph;
    if (y < 0 || y >= f.H) continue;
    const float* row = X + y * f.W * f.C;
    for (int64_t dx = 0; dx < f.kw; ++dx) {
      __m512 acc[L][NV];
      zero(acc);
      // Output columns whose tap (dy, dx) reads a pixel inside the row.
      const int64_t x0 = std::max<int64_t>(0, pw - dx), x1 = std::min<int64_t>(f.Wo(), f.W + pw - dx);
      int64_t xo = x0;
      for (; xo + L <= x1; xo += L) {
#pragma GCC unroll 8
        for (int i = 0; i < L; ++i) {
          const __m512 rv = _mm512_set1_ps(r[xo + i]);
          const float* px = row + (xo + i + dx - pw) * f.C;
#pragma GCC unroll 4
          for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(rv, load_channels<NV>(px, v, last), acc[i][v]);
        }
      }
      for (; xo < x1; ++xo) {
        const __m512 rv = _mm512_set1_ps(r[xo]);
        const float* px = row + (xo + dx - pw) * f.C;
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[0][v] = _mm512_fmadd_ps(rv, load_channels<NV>(px, v, last), acc[0][v]);
      }
      float* g = G + (dy * f.kw + dx) * NV * 16;
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        __m512 sum = acc[0][v];
#pragma GCC unroll 8
        for (int i = 1; i < L; ++i) sum = _mm512_add_ps(sum, acc[i][v]);
        _mm512_storeu_ps(g + 16 * v, _mm512_add_ps(_mm512_loadu_ps(g + 16 * v), sum));
      }
    }
  }
}

template <int NV>
at::Tensor apply_nv(const at::Tensor& X, const at::Tensor& filter, const FilterShape& f) {
  const auto taps = taps_channels_last(filter, f, NV * 16);
  auto out = at::empty({f.N, f.S, f.Ho(), f.Wo()}, X.options());
  const float* x = X.data_ptr<float>();
  float* o = out.data_ptr<float>();
  const int64_t Ho = f.Ho();
  at::parallel_for(0, f.S * f.N * Ho, 16, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t s = i / (f.N * Ho), n = (i / Ho) % f.N, yo = i % Ho;
      apply_row<NV>(x + (s * f.N + n) * f.H * f.W * f.C, taps.data() + s * f.K() * NV * 16,
                    o + ((n * f.S + s) * Ho + yo) * f.Wo(), f, yo);
    }
  });
  return out;
}

template <int NV>
at::Tensor transpose_nv(const at::Tensor& X, const at::Tensor& r_in, const FilterShape& f) {
  const auto r = r_in.contiguous();
  const int64_t Ho = f.Ho(), rows = f.N * Ho, per_seq = f.K() * NV * 16;
  // Per sequence, chunks of residual rows accumulate into their own partial gradients, summed
  // afterwards: no two tasks write the same memory, and the sum's order is fixed.
  const int64_t chunks = std::min<int64_t>(rows, 4 * at::get_num_threads());
  std::vector<float> partial(static_cast<size_t>(f.S * chunks * per_seq), 0.0f);
  const float* x = X.data_ptr<float>();
  const float* rr = r.data_ptr<float>();
  at::parallel_for(0, f.S * chunks, 1, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t s = t / chunks, c = t % chunks;
      for (int64_t i = c * rows / chunks; i < (c + 1) * rows / chunks; ++i) {
        const int64_t n = i / Ho, yo = i % Ho;
        transpose_row<NV>(x + (s * f.N + n) * f.H * f.W * f.C, rr + ((n * f.S + s) * Ho + yo) * f.Wo(),
                          partial.data() + t * per_seq, f, yo);
      }
    }
  });
  auto G = at::zeros({f.S, f.C, f.kh, f.kw}, X.options());
  float* g = G.data_ptr<float>();
  for (int64_t s = 0; s < f.S; ++s) {
    for (int64_t c = 0; c < chunks; ++c) {
      const float* part = partial.data() + (s * chunks + c) * per_seq;
      for (int64_t t = 0; t < f.K(); ++t)
        for (int64_t ch = 0; ch < f.C; ++ch) g[(s * f.C + ch) * f.K() + t] += part[t * NV * 16 + ch];
    }
  }
  return G;
}

// with_registers: f(NV) for the NV = ceil(C / 16) registers one pixel's channels fill, as a
// compile-time constant.
template <class F>
at::Tensor with_registers(int64_t C, F&& f) {
  switch ((C + 15) / 16) {
    case 1: return f(std::integral_constant<int, 1>{});
    case 2: return f(std::integral_constant<int, 2>{});
    case 3: return f(std::integral_constant<int, 3>{});
    default: return f(std::integral_constant<int, 4>{});
  }
}

}  // namespace

bool direct_kernel_applies(const FilterShape& f, const at::Tensor& X) {
  return avx512_supported() && X.scalar_type() == at::kFloat && f.C <= kMaxChannels && f.kh <= kMaxSide &&
         f.kw <= kMaxSide;
}

at::Tensor apply_direct(const at::Tensor& X, const at::Tensor& filter, const FilterShape& f) {
  return with_registers(f.C, [&](auto nv) { return apply_nv<decltype(nv)::value>(X, filter, f); });
}

at::Tensor transpose_direct(const at::Tensor& X, const at::Tensor& r, const FilterShape& f) {
  return with_registers(f.C, [&](auto nv) { return transpose_nv<decltype(nv)::value>(X, r, f); });
}

}  // namespace dimp::optim::cpu
