#include "backbones/tfjs/strided_slice.h"

#include <ATen/ops/arange.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace dimp::backbones::tfjs {
namespace {

constexpr int64_t kNewAxis = -1;
constexpr int64_t kShrinkAxis = -2;

bool bit(uint64_t mask, int64_t i) { return (mask >> i) & 1u; }

}  // namespace

StridedSliceSpec strided_slice_spec(at::IntArrayRef shape, const std::vector<int64_t>& begin,
                                    const std::vector<int64_t>& end, const std::vector<int64_t>& strides,
                                    const StridedSliceMasks& masks) {
  const int64_t n = static_cast<int64_t>(begin.size());
  if (static_cast<int64_t>(end.size()) != n || static_cast<int64_t>(strides.size()) != n) {
    throw std::invalid_argument("begin, end and strides must have the same length (" + std::to_string(begin.size()) +
                                ", " + std::to_string(end.size()) + ", " + std::to_string(strides.size()) + ")");
  }
  if (n > 32) throw std::invalid_argument("more than 32 slice indices");
  const auto ellipsis_in = static_cast<uint64_t>(masks.ellipsis) & 0xFFFFFFFFu;
  if (ellipsis_in & (ellipsis_in - 1)) throw std::invalid_argument("more than one ellipsis in the slice");

  // Step 1: the sparse spec; no ellipsis means one after the last index.
  uint64_t ellipsis = ellipsis_in;
  int64_t sparse_dims = n;
  int64_t new_axes_after_ellipsis = 0;
  bool ellipsis_seen = false;
  for (int64_t i = 0; i < n; ++i) {
    if (ellipsis_seen && bit(masks.new_axis, i)) ++new_axes_after_ellipsis;
    if (bit(ellipsis, i)) ellipsis_seen = true;
  }
  if (!ellipsis_seen) {
    ellipsis |= uint64_t{1} << n;
    ++sparse_dims;
  }

  // Step 2: the dense spec, one entry per input dimension.
  const int64_t rank = static_cast<int64_t>(shape.size());
  std::vector<int64_t> dbegin(rank, 0), dend(rank, 0), dstride(rank, 1), gather;
  uint64_t dbegin_mask = 0, dend_mask = 0, dshrink = 0;
  int64_t full = 0;
  for (int64_t i = 0; i < sparse_dims; ++i) {
    if (bit(ellipsis, i)) {
      const int64_t next = std::min(rank - (sparse_dims - i) + 1 + new_axes_after_ellipsis, rank);
      for (; full < next; ++full) {
        dbegin_mask |= uint64_t{1} << full;
        dend_mask |= uint64_t{1} << full;
        gather.push_back(full);
      }
    } else if (bit(masks.new_axis, i)) {
      gather.push_back(kNewAxis);
    } else {
      if (full == rank) {
        throw std::invalid_argument("index " + std::to_string(i) + " of the slice is out of range for a tensor of rank " +
                                    std::to_string(rank));
      }
      dbegin[full] = begin[i];
      dend[full] = end[i];
      dstride[full] = strides[i];
      if (bit(masks.begin, i)) dbegin_mask |= uint64_t{1} << full;
      if (bit(masks.end, i)) dend_mask |= uint64_t{1} << full;
      if (bit(masks.shrink_axis, i)) {
        gather.push_back(kShrinkAxis);
        dshrink |= uint64_t{1} << full;
      } else {
        gather.push_back(full);
      }
      ++full;
    }
  }

  // Step 3: each dimension's range.
  StridedSliceSpec spec;
  for (int64_t i = 0; i < rank; ++i) {
    const int64_t dim = shape[i];
    const int64_t stride = dstride[i];
    if (stride == 0) throw std::invalid_argument("strides[" + std::to_string(i) + "] must be non-zero");
    const bool shrink = bit(dshrink, i);
    const int64_t lo = stride > 0 ? 0 : -1;
    const int64_t hi = stride > 0 ? dim : dim - 1;
    auto canonical = [&](int64_t x, bool masked, bool is_end) {
      if (masked) return (stride > 0) != is_end ? lo : hi;
      const int64_t fwd = x < 0 ? dim + x : x;
      return std::clamp(fwd, lo, hi);
    };
    int64_t b, e;
    if (shrink) {
      if (stride < 0) throw std::invalid_argument("a shrunk dimension (" + std::to_string(i) + ") needs a positive stride");
      b = dbegin[i] < 0 ? dim + dbegin[i] : dbegin[i];
      e = b + 1;
      if (b < 0 || b >= dim) {
        throw std::invalid_argument("slice index " + std::to_string(dbegin[i]) + " of dimension " + std::to_string(i) +
                                    " is out of bounds (size " + std::to_string(dim) + ")");
      }
    } else {
      b = canonical(dbegin[i], bit(dbegin_mask, i), false);
      e = canonical(dend[i], bit(dend_mask, i), true);
    }
    const int64_t interval = e - b;
    int64_t size = 0;
    if (interval != 0 && (interval < 0) == (stride < 0)) size = interval / stride + (interval % stride != 0 ? 1 : 0);
    spec.begin.push_back(b);
    spec.stride.push_back(stride);
    spec.size.push_back(size);
  }

  // Step 4: the output shape.
  for (int64_t g : gather) {
    if (g >= 0) spec.output_shape.push_back(spec.size[g]);
    else if (g == kNewAxis) spec.output_shape.push_back(1);
  }
  return spec;
}

at::Tensor strided_slice(const at::Tensor& x, const StridedSliceSpec& spec) {
  TORCH_CHECK(static_cast<int64_t>(spec.size.size()) == x.dim(), "strided_slice: the spec is for rank ",
              spec.size.size(), ", the tensor has rank ", x.dim());
  at::Tensor y = x;
  for (int64_t d = 0; d < x.dim(); ++d) {
    const int64_t b = spec.begin[d], s = spec.stride[d], n = spec.size[d];
    if (n == 0) {
      y = y.narrow(d, 0, 0);
    } else if (s > 0) {
      if (b == 0 && s == 1 && n == y.size(d)) continue;
      y = y.slice(d, b, b + (n - 1) * s + 1, s);
    } else {
      y = y.index_select(d, at::arange(b, b + n * s, s, at::TensorOptions().dtype(at::kLong)));
    }
  }
  return y.reshape(spec.output_shape);
}

}  // namespace dimp::backbones::tfjs
