// bbox/prroi_pool_bin.h — the per-bin arithmetic of Precise RoI Pooling, shared by the CPU
// and CUDA kernels (host and device code). Internal to bbox/.
//
// A bin [xa, xb] x [ya, yb] (feature coordinates) pools (1/area) sum_{h,w} F[h,w]·A_w·B_h with
// A_w = T(xb − w) − T(xa − w), B_h likewise, T the integral of the unit tent; only the
// samples whose tents overlap the bin contribute. The backward needs, besides A and B, the
// tents at the edges (dA_w/dxb = tri(xb − w), dA_w/dxa = −tri(xa − w)).
#pragma once

#include <cmath>

#ifdef __CUDACC__
#define DIMP_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define DIMP_HOST_DEVICE inline
#endif

namespace dimp::bbox::prroi {

template <typename T>
DIMP_HOST_DEVICE T tri_integral(T t) {
  t = t < T(-1) ? T(-1) : (t > T(1) ? T(1) : t);
  return t <= T(0) ? T(0.5) * (t + 1) * (t + 1) : T(1) - T(0.5) * (1 - t) * (1 - t);
}

template <typename T>
DIMP_HOST_DEVICE T tri(T t) {
  const T a = t < T(0) ? -t : t;
  return a < T(1) ? T(1) - a : T(0);
}

// Bin: output bin (i, j) of a RoI, in feature coordinates.
template <typename T>
struct Bin {
  int n;                       // image index
  T bw, bh;                    // bin size
  T xa, xb, ya, yb;            // bin edges
  int w_lo, w_hi, h_lo, h_hi;  // samples whose tents overlap the bin (inclusive)
  DIMP_HOST_DEVICE T area() const { return bw * bh; }
};

// make_bin: roi = [batch, x0, y0, x1, y1] in image coordinates.
template <typename T>
DIMP_HOST_DEVICE Bin<T> make_bin(const T* roi, int i, int j, int pooled_h, int pooled_w, int H, int W, T scale) {
  Bin<T> b;
  b.n = static_cast<int>(roi[0]);
  const T x0 = roi[1] * scale, y0 = roi[2] * scale, x1 = roi[3] * scale, y1 = roi[4] * scale;
  b.bw = (x1 > x0 ? x1 - x0 : T(0)) / pooled_w;
  b.bh = (y1 > y0 ? y1 - y0 : T(0)) / pooled_h;
  b.xa = x0 + j * b.bw;
  b.xb = b.xa + b.bw;
  b.ya = y0 + i * b.bh;
  b.yb = b.ya + b.bh;
  const int wl = static_cast<int>(floor(b.xa)), wh = static_cast<int>(ceil(b.xb));
  const int hl = static_cast<int>(floor(b.ya)), hh = static_cast<int>(ceil(b.yb));
  b.w_lo = wl > 0 ? wl : 0;
  b.w_hi = wh < W - 1 ? wh : W - 1;
  b.h_lo = hl > 0 ? hl : 0;
  b.h_hi = hh < H - 1 ? hh : H - 1;
  return b;
}

// pool_bin: the bin's average over one (H, W) feature plane; 0 for an empty bin.
template <typename T>
DIMP_HOST_DEVICE T pool_bin(const T* plane, int W, const Bin<T>& b) {
  const T area = b.area();
  if (!(area > T(0))) return T(0);
  T sum = 0;
  for (int h = b.h_lo; h <= b.h_hi; ++h) {
    const T wy = tri_integral(b.yb - h) - tri_integral(b.ya - h);
    if (wy == T(0)) continue;
    T row = 0;
    for (int w = b.w_lo; w <= b.w_hi; ++w) row += plane[h * W + w] * (tri_integral(b.xb - w) - tri_integral(b.xa - w));
    sum += wy * row;
  }
  return sum / area;
}

// BinGradient: d(output)/d(x0, y0, x1, y1) in image coordinates for one bin and plane.
template <typename T>
struct BinGradient {
  T x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

// corner_gradient: g·d(out)/d(roi corners) of bin (i, j), from the bin's weighted sum S
// (out = S / area) and the sum's derivatives w.r.t. its edges. Bin edges move with the RoI
// corners (xa = x0 + j·bw, xb = x0 + (j+1)·bw, bw = (x1−x0)/pw), and so does the area bw·bh.
// A side of zero length has no gradient (its clamp is flat). `g` includes the spatial scale.
template <typename T>
DIMP_HOST_DEVICE BinGradient<T> corner_gradient(T S, T dS_xa, T dS_xb, T dS_ya, T dS_yb, T bw, T bh, int i, int j,
                                                int pooled_h, int pooled_w, T g) {
  BinGradient<T> out;
  const T area = bw * bh;
  if (!(area > T(0))) return out;
  const T value = S / area;
  const T pw = static_cast<T>(pooled_w), ph = static_cast<T>(pooled_h);
  if (bw > T(0)) {
    const T dS_x0 = dS_xa * (1 - j / pw) + dS_xb * (1 - (j + 1) / pw);
    const T dS_x1 = dS_xa * (j / pw) + dS_xb * ((j + 1) / pw);
    out.x0 = g * (dS_x0 + value * bh / pw) / area;
    out.x1 = g * (dS_x1 - value * bh / pw) / area;
  }
  if (bh > T(0)) {
    const T dS_y0 = dS_ya * (1 - i / ph) + dS_yb * (1 - (i + 1) / ph);
    const T dS_y1 = dS_ya * (i / ph) + dS_yb * ((i + 1) / ph);
    out.y0 = g * (dS_y0 + value * bw / ph) / area;
    out.y1 = g * (dS_y1 - value * bw / ph) / area;
  }
  return out;
}

// backward_bin: adds g·d(out)/dF into grad_plane through `add` (plain or atomic), and returns
// g·d(out)/d(roi corners).
template <typename T, class Add>
DIMP_HOST_DEVICE BinGradient<T> backward_bin(const T* plane, T* grad_plane, int W, const Bin<T>& b, int i, int j,
                                             int pooled_h, int pooled_w, T scale, T g, Add add) {
  BinGradient<T> out;
  const T area = b.area();
  if (!(area > T(0)) || g == T(0)) return out;
  T S = 0, dS_xa = 0, dS_xb = 0, dS_ya = 0, dS_yb = 0;
  for (int h = b.h_lo; h <= b.h_hi; ++h) {
    const T wy = tri_integral(b.yb - h) - tri_integral(b.ya - h);
    const T ty_a = tri(b.ya - h), ty_b = tri(b.yb - h);
    for (int w = b.w_lo; w <= b.w_hi; ++w) {
      const T wx = tri_integral(b.xb - w) - tri_integral(b.xa - w);
      const T v = plane[h * W + w];
      if (wx != T(0) && wy != T(0)) add(grad_plane + h * W + w, g * wx * wy / area);
      S += v * wx * wy;
      dS_xa -= v * tri(b.xa - w) * wy;
      dS_xb += v * tri(b.xb - w) * wy;
      dS_ya -= v * ty_a * wx;
      dS_yb += v * ty_b * wx;
    }
  }
  return corner_gradient(S, dS_xa, dS_xb, dS_ya, dS_yb, b.bw, b.bh, i, j, pooled_h, pooled_w, g * scale);
}

}  // namespace dimp::bbox::prroi
