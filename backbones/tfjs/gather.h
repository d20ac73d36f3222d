// backbones/tfjs/gather.h — TensorFlow's GatherV2 (with axis and batch_dims) and SparseToDense.
//
//   at::Tensor rows = gather_v2(params, indices, /*axis=*/0, /*batch_dims=*/0);
//   // shape: params[:axis] + indices[batch_dims:] + params[axis + 1:]
//   at::Tensor dense = sparse_to_dense(idx, shape, values, default_value, /*validate_indices=*/true);
#pragma once

#include <ATen/ATen.h>

namespace dimp::backbones::tfjs {

// gather_v2: params' slices along `axis` picked by integer `indices`; the first `batch_dims`
// dimensions of params and indices are batch dimensions gathered pairwise. Negative axis and
// batch_dims count from the end (batch_dims from indices' rank). Throws std::invalid_argument
// for an index outside [0, params.size(axis)) (TF refuses it too) or inconsistent dimensions.
at::Tensor gather_v2(const at::Tensor& params, const at::Tensor& indices, int64_t axis, int64_t batch_dims);

// sparse_to_dense: a tensor of `output_shape` (1-D integer) filled with `default_value` (scalar),
// `values` (scalar or one per index) written at `indices` (scalar, (N) or (N, rank)). With
// `validate_indices`, indices must be in range, lexicographically increasing and unique (TF's
// check); out-of-range indices are refused either way. Throws std::invalid_argument.
at::Tensor sparse_to_dense(const at::Tensor& indices, const at::Tensor& output_shape, const at::Tensor& values,
                           const at::Tensor& default_value, bool validate_indices);

}  // namespace dimp::backbones::tfjs
