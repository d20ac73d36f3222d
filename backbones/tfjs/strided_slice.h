// backbones/tfjs/strided_slice.h — TensorFlow's StridedSlice: begin/end/strides with the five masks
// (begin, end, ellipsis, new_axis, shrink_axis), negative indices and strides, clamping.
//
//   // x[:, :, 1:2] of a (1, 100, 4) tensor, as tower_0/strided_slice_10 computes it:
//   StridedSliceSpec s = strided_slice_spec({1, 100, 4}, {0, 0, 1}, {0, 0, 2}, {1, 1, 1}, {3, 3, 0, 0, 0});
//   at::Tensor y = strided_slice(x, s);   // (1, 100, 1)
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

namespace dimp::backbones::tfjs {

// StridedSliceMasks: the node's mask attributes; bit i refers to the i-th entry of begin/end.
struct StridedSliceMasks {
  int64_t begin = 0, end = 0, ellipsis = 0, new_axis = 0, shrink_axis = 0;
};

// StridedSliceSpec: the canonical (dense) slice: for each input dimension the first index, the
// step and the number of elements taken, and the output's shape (new axes added, shrunk ones gone).
struct StridedSliceSpec {
  std::vector<int64_t> begin, stride, size;
  std::vector<int64_t> output_shape;
};

// strided_slice_spec: TensorFlow's ValidateStridedSliceOp (sparse spec -> dense spec -> ranges).
// Throws std::invalid_argument as TF refuses: lengths differ, more than one ellipsis, a zero
// stride, a shrunk index out of range or with a negative stride, more indices than dimensions.
StridedSliceSpec strided_slice_spec(at::IntArrayRef input_shape, const std::vector<int64_t>& begin,
                                    const std::vector<int64_t>& end, const std::vector<int64_t>& strides,
                                    const StridedSliceMasks& masks);

// strided_slice: `x` sliced as `spec` says (views where the strides are positive).
at::Tensor strided_slice(const at::Tensor& x, const StridedSliceSpec& spec);

}  // namespace dimp::backbones::tfjs
