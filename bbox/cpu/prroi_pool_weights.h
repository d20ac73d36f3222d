// bbox/cpu/prroi_pool_weights.h — per-RoI interpolation weights of the CPU Precise RoI
// Pooling kernels (both memory layouts). Internal to bbox/.
#pragma once

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "bbox/prroi_pool_bin.h"

namespace dimp::bbox::cpu {

// AxisWeights: for each bin along one axis of one RoI, the samples its edges overlap and
// their weights: the tent integrals over the bin (for the value) and the tents at the two
// edges (for the edge derivatives). They do not depend on the channel, so they are computed
// once per RoI and reused for every channel.
template <typename T>
struct AxisWeights {
  std::vector<int> lo, count;             // per bin: first sample, number of samples
  std::vector<int64_t> offset;            // per bin: start in the weight arrays
  std::vector<T> weight, tent_lo, tent_hi;
  T bin_size = 0;
};

template <typename T>
inline AxisWeights<T> axis_weights(T start, T end, int bins, int size) {
  AxisWeights<T> a;
  a.bin_size = (end > start ? end - start : T(0)) / bins;
  for (int j = 0; j < bins; ++j) {
    const T e0 = start + j * a.bin_size, e1 = e0 + a.bin_size;
    const int lo = std::max(0, static_cast<int>(std::floor(e0))), hi = std::min(size - 1, static_cast<int>(std::ceil(e1)));
    a.lo.push_back(lo);
    a.count.push_back(std::max(0, hi - lo + 1));
    a.offset.push_back(static_cast<int64_t>(a.weight.size()));
    for (int w = lo; w <= hi; ++w) {
      a.weight.push_back(prroi::tri_integral(e1 - w) - prroi::tri_integral(e0 - w));
      a.tent_lo.push_back(prroi::tri(e0 - w));
      a.tent_hi.push_back(prroi::tri(e1 - w));
    }
  }
  return a;
}

template <typename T>
struct RoIWeights {
  int n = 0;
  AxisWeights<T> x, y;
};

template <typename T>
inline std::vector<RoIWeights<T>> roi_weights(const T* rois, int64_t R, int H, int W, int ph, int pw, T scale) {
  std::vector<RoIWeights<T>> out(static_cast<size_t>(R));
  at::parallel_for(0, R, 8, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* roi = rois + 5 * r;
      out[r].n = static_cast<int>(roi[0]);
      out[r].x = axis_weights<T>(roi[1] * scale, roi[3] * scale, pw, W);
      out[r].y = axis_weights<T>(roi[2] * scale, roi[4] * scale, ph, H);
    }
  });
  return out;
}

}  // namespace dimp::bbox::cpu
