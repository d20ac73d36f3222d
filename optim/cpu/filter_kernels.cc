#include "optim/cpu/filter_kernels.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include <algorithm>

namespace dimp::optim::cpu {

namespace {

template <typename T>
void shift_sum_impl(const T* P, T* out, const FilterShape& f) {
  const int64_t H = f.H, W = f.W, K = f.K(), Ho = f.Ho(), Wo = f.Wo(), ph = f.pad_h(), pw = f.pad_w();
  // One (sequence, image) plane per task; out is (N, S, Ho, Wo).
  at::parallel_for(0, f.S * f.N, 1, [&](int64_t begin, int64_t end) {
    for (int64_t sn = begin; sn < end; ++sn) {
      const int64_t s = sn / f.N, n = sn % f.N;
      const T* p = P + sn * H * W * K;
      T* o = out + (n * f.S + s) * Ho * Wo;
      std::fill(o, o + Ho * Wo, T(0));
      for (int64_t dy = 0; dy < f.kh; ++dy) {
        for (int64_t dx = 0; dx < f.kw; ++dx) {
          const int64_t d = dy * f.kw + dx;
          const int64_t x_begin = std::max<int64_t>(0, pw - dx), x_end = std::min<int64_t>(Wo, W + pw - dx);
          for (int64_t yo = std::max<int64_t>(0, ph - dy); yo < std::min<int64_t>(Ho, H + ph - dy); ++yo) {
            const T* prow = p + ((yo + dy - ph) * W + (x_begin + dx - pw)) * K + d;
            T* orow = o + yo * Wo;
            for (int64_t xo = x_begin; xo < x_end; ++xo, prow += K) orow[xo] += *prow;
          }
        }
      }
    }
  });
}

template <typename T>
void shift_gather_impl(const T* r, T* R, const FilterShape& f) {
  const int64_t H = f.H, W = f.W, K = f.K(), Ho = f.Ho(), Wo = f.Wo(), ph = f.pad_h(), pw = f.pad_w();
  at::parallel_for(0, f.S * f.N, 1, [&](int64_t begin, int64_t end) {
    for (int64_t sn = begin; sn < end; ++sn) {
      const int64_t s = sn / f.N, n = sn % f.N;
      const T* rp = r + (n * f.S + s) * Ho * Wo;
      T* out = R + sn * H * W * K;
      for (int64_t y = 0; y < H; ++y) {
        for (int64_t x = 0; x < W; ++x) {
          T* cell = out + (y * W + x) * K;
          for (int64_t dy = 0; dy < f.kh; ++dy) {
            const int64_t yo = y - dy + ph;
            const bool row_ok = yo >= 0 && yo < Ho;
            for (int64_t dx = 0; dx < f.kw; ++dx) {
              const int64_t xo = x - dx + pw;
              cell[dy * f.kw + dx] = (row_ok && xo >= 0 && xo < Wo) ? rp[yo * Wo + xo] : T(0);
            }
          }
        }
      }
    }
  });
}

}  // namespace

at::Tensor shift_sum(const at::Tensor& P, const FilterShape& f) {
  TORCH_INTERNAL_ASSERT(P.is_contiguous() && P.numel() == f.S * f.N * f.H * f.W * f.K());
  auto out = at::empty({f.N, f.S, f.Ho(), f.Wo()}, P.options());
  AT_DISPATCH_FLOATING_TYPES(P.scalar_type(), "shift_sum", [&] {
    shift_sum_impl<scalar_t>(P.data_ptr<scalar_t>(), out.data_ptr<scalar_t>(), f);
  });
  return out;
}

at::Tensor shift_gather(const at::Tensor& r_in, const FilterShape& f) {
  auto r = r_in.contiguous();
  TORCH_INTERNAL_ASSERT(r.numel() == f.N * f.S * f.Ho() * f.Wo());
  auto R = at::empty({f.S, f.N, f.H, f.W, f.K()}, r.options());
  AT_DISPATCH_FLOATING_TYPES(r.scalar_type(), "shift_gather", [&] {
    shift_gather_impl<scalar_t>(r.data_ptr<scalar_t>(), R.data_ptr<scalar_t>(), f);
  });
  return R;
}

// Rows of X per BLAS call: blocks of ~4 MB keep OpenBLAS's skinny GEMM (n = k² = 16
// columns) near its small-problem speed, which it loses when X outgrows the caches.
int64_t rows_per_block(const FilterShape& f) {
  const int64_t bytes_per_row = f.C * static_cast<int64_t>(sizeof(float));
  return std::max<int64_t>(64, (int64_t{4} << 20) / bytes_per_row);
}

at::Tensor apply_gemm(const at::Tensor& X, const at::Tensor& filter, const FilterShape& f) {
  const int64_t M = f.N * f.H * f.W, block = rows_per_block(f);
  auto Xm = X.view({f.S, M, f.C});
  auto F = filter.contiguous().view({f.S, f.C, f.K()});
  auto P = at::empty({f.S, M, f.K()}, X.options());
  for (int64_t r = 0; r < M; r += block) {
    const int64_t n = std::min(block, M - r);
    auto out = P.narrow(1, r, n);
    at::bmm_out(out, Xm.narrow(1, r, n), F);
  }
  return shift_sum(P, f);
}

at::Tensor transpose_gemm(const at::Tensor& X, const at::Tensor& r, const FilterShape& f) {
  auto R = shift_gather(r, f);
  const int64_t M = f.N * f.H * f.W, block = rows_per_block(f);
  auto Xm = X.view({f.S, M, f.C});
  auto Rm = R.view({f.S, M, f.K()});
  if (block >= M) return at::bmm(Xm.transpose(1, 2), Rm).view({f.S, f.C, f.kh, f.kw});
  auto G = at::bmm(Xm.narrow(1, 0, block).transpose(1, 2), Rm.narrow(1, 0, block));
  for (int64_t i = block; i < M; i += block) {
    const int64_t n = std::min(block, M - i);
    G += at::bmm(Xm.narrow(1, i, n).transpose(1, 2), Rm.narrow(1, i, n));
  }
  return G.view({f.S, f.C, f.kh, f.kw});
}

at::Tensor feature_grad_gemm(const at::Tensor& r, const at::Tensor& filter, const FilterShape& f) {
  auto R = shift_gather(r, f);
  auto Ft = filter.contiguous().view({f.S, f.C, f.K()}).transpose(1, 2);
  return at::bmm(R.view({f.S, f.N * f.H * f.W, f.K()}), Ft).view({f.S, f.N, f.H, f.W, f.C});
}

}  // namespace dimp::optim::cpu
