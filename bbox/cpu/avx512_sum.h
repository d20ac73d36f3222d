// bbox/cpu/avx512_sum.h — the sum of an AVX-512 register's 16 lanes, for the CPU kernels' dot
// products (here, in the lowest room, so every room's kernels can use it).
//
// GCC's _mm512_reduce_add_ps (and the unmasked shuffles) pass a deliberately uninitialised
// operand (`__Y = __Y`) as the unused merge source, which -Wuninitialized reports once per
// inlined use: hundreds of warnings for correct code. The masked forms with every lane
// selected take the register itself as that source: the same instructions, nothing undefined.
#pragma once

#include <immintrin.h>

namespace dimp::bbox::cpu {

__attribute__((target("avx512f"))) inline float horizontal_sum(__m512 v) {
  constexpr __mmask16 all = 0xFFFF;
  __m512 t = _mm512_add_ps(v, _mm512_mask_shuffle_f32x4(v, all, v, v, _MM_SHUFFLE(1, 0, 3, 2)));  // 256-bit halves
  t = _mm512_add_ps(t, _mm512_mask_shuffle_f32x4(t, all, t, t, _MM_SHUFFLE(2, 3, 0, 1)));          // 128-bit lanes
  t = _mm512_add_ps(t, _mm512_mask_permute_ps(t, all, t, _MM_SHUFFLE(1, 0, 3, 2)));                // pairs
  t = _mm512_add_ps(t, _mm512_mask_permute_ps(t, all, t, _MM_SHUFFLE(2, 3, 0, 1)));                // neighbours
  return _mm512_cvtss_f32(t);
}

}  // namespace dimp::bbox::cpu
