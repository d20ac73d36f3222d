// bbox/cpu/avx512_sum.h — the sum of an AVX-512 register's 16 lanes, for the CPU kernels' dot
// products (here, in the lowest room, so every room's kernels can use it).
//
// GCC's _mm512_reduce_add_ps extracts halves through intrinsics whose unused source operand is
// deliberately uninitialised (`__m256d __Y = __Y;`), which -Wuninitialized reports once per
// inlined use: hundreds of warnings for correct code. Swapping halves with whole-register
// shuffles sums the same lanes without that operand.
#pragma once

#include <immintrin.h>

namespace dimp::bbox::cpu {

__attribute__((target("avx512f"))) inline float horizontal_sum(__m512 v) {
  __m512 t = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(1, 0, 3, 2)));  // 256-bit halves
  t = _mm512_add_ps(t, _mm512_shuffle_f32x4(t, t, _MM_SHUFFLE(2, 3, 0, 1)));          // 128-bit lanes
  t = _mm512_add_ps(t, _mm512_permute_ps(t, _MM_SHUFFLE(1, 0, 3, 2)));                // pairs
  t = _mm512_add_ps(t, _mm512_permute_ps(t, _MM_SHUFFLE(2, 3, 0, 1)));                // neighbours
  return _mm512_cvtss_f32(t);
}

}  // namespace dimp::bbox::cpu
