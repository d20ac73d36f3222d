#include "backbones/tfjs/gather.h"

#include <ATen/ops/full.h>
#include <ATen/ops/stack.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace dimp::backbones::tfjs {
namespace {

std::string shape_text(at::IntArrayRef s) {
  std::string out = "[";
  for (size_t k = 0; k < s.size(); ++k) out += (k ? "," : "") + std::to_string(s[k]);
  return out + "]";
}

}  // namespace

at::Tensor gather_v2(const at::Tensor& params, const at::Tensor& indices, int64_t axis, int64_t batch_dims) {
  if (indices.is_floating_point() || indices.scalar_type() == at::kBool) {
    throw std::invalid_argument("GatherV2 indices must be integers");
  }
  const int64_t rank = params.dim(), irank = indices.dim();
  if (batch_dims < 0) batch_dims += irank;
  if (axis < 0) axis += rank;
  if (batch_dims < 0 || batch_dims > irank) {
    throw std::invalid_argument("GatherV2 batch_dims " + std::to_string(batch_dims) + " is outside [0, " +
                                std::to_string(irank) + "] (indices " + shape_text(indices.sizes()) + ")");
  }
  if (axis < 0 || axis >= rank) {
    throw std::invalid_argument("GatherV2 axis " + std::to_string(axis) + " is outside the params' rank " +
                                std::to_string(rank));
  }
  if (axis < batch_dims) throw std::invalid_argument("GatherV2 axis must not be less than batch_dims");
  for (int64_t d = 0; d < batch_dims; ++d) {
    if (params.size(d) != indices.size(d)) {
      throw std::invalid_argument("GatherV2 batch dimension " + std::to_string(d) + " differs: params " +
                                  shape_text(params.sizes()) + ", indices " + shape_text(indices.sizes()));
    }
  }
  const int64_t limit = params.size(axis);
  const at::Tensor flat = indices.reshape({-1}).to(at::kLong);
  if (flat.numel() > 0) {
    const int64_t lo = flat.min().item<int64_t>(), hi = flat.max().item<int64_t>();
    if (lo < 0 || hi >= limit) {
      throw std::invalid_argument("GatherV2 index " + std::to_string(lo < 0 ? lo : hi) + " is outside [0, " +
                                  std::to_string(limit) + ")");
    }
  }
  // Output: params[:axis] + indices[batch_dims:] + params[axis + 1:].
  std::vector<int64_t> shape(params.sizes().begin(), params.sizes().begin() + axis);
  shape.insert(shape.end(), indices.sizes().begin() + batch_dims, indices.sizes().end());
  shape.insert(shape.end(), params.sizes().begin() + axis + 1, params.sizes().end());
  if (batch_dims == 0) return params.index_select(axis, flat).reshape(shape);

  // Batch dimensions: gather each batch entry with its own indices.
  int64_t batches = 1;
  for (int64_t d = 0; d < batch_dims; ++d) batches *= params.size(d);
  std::vector<int64_t> pshape{batches};
  pshape.insert(pshape.end(), params.sizes().begin() + batch_dims, params.sizes().end());
  const at::Tensor p = params.reshape(pshape);
  const at::Tensor idx = flat.view({batches, -1});
  std::vector<at::Tensor> parts;
  for (int64_t b = 0; b < batches; ++b) parts.push_back(p[b].index_select(axis - batch_dims, idx[b]));
  return at::stack(parts).reshape(shape);
}

at::Tensor sparse_to_dense(const at::Tensor& indices, const at::Tensor& output_shape, const at::Tensor& values,
                           const at::Tensor& default_value, bool validate_indices) {
  if (output_shape.dim() != 1 || output_shape.is_floating_point()) {
    throw std::invalid_argument("SparseToDense output_shape must be a 1-D integer tensor");
  }
  if (indices.dim() > 2 || indices.is_floating_point()) {
    throw std::invalid_argument("SparseToDense indices must be an integer scalar, vector or matrix");
  }
  if (default_value.numel() != 1) throw std::invalid_argument("SparseToDense default_value must be a scalar");
  const at::Tensor shape_long = output_shape.to(at::kLong).contiguous();
  const std::vector<int64_t> shape(shape_long.data_ptr<int64_t>(), shape_long.data_ptr<int64_t>() + shape_long.numel());
  for (int64_t d : shape) {
    if (d < 0) throw std::invalid_argument("SparseToDense output_shape " + shape_text(shape) + " has a negative size");
  }
  const int64_t rank = static_cast<int64_t>(shape.size());
  // indices as (N, rank): a scalar is one index of a vector, a vector N indices of a vector.
  at::Tensor idx = indices.to(at::kLong);
  if (idx.dim() == 0) idx = idx.view({1, 1});
  else if (idx.dim() == 1) idx = idx.view({-1, 1});
  const int64_t n = idx.size(0);
  if (idx.size(1) != rank && n > 0) {
    throw std::invalid_argument("SparseToDense indices have " + std::to_string(idx.size(1)) +
                                " coordinates, output_shape has rank " + std::to_string(rank));
  }
  if (values.dim() > 1 || (values.dim() == 1 && values.size(0) != n)) {
    throw std::invalid_argument("SparseToDense values must be a scalar or hold one value per index (" + std::to_string(n) +
                                "), got " + shape_text(values.sizes()));
  }
  at::Tensor out = at::full(shape, default_value.reshape({}).item(), default_value.options());
  if (n == 0) return out;
  idx = idx.contiguous();
  const int64_t* p = idx.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t d = 0; d < rank; ++d) {
      const int64_t v = p[i * rank + d];
      if (v < 0 || v >= shape[d]) {
        throw std::invalid_argument("SparseToDense index " + std::to_string(i) + " is out of bounds of " + shape_text(shape));
      }
    }
    if (validate_indices && i > 0) {
      int64_t d = 0;
      while (d < rank && p[i * rank + d] == p[(i - 1) * rank + d]) ++d;
      if (d == rank || p[i * rank + d] < p[(i - 1) * rank + d]) {
        throw std::invalid_argument("SparseToDense index " + std::to_string(i) + " is repeated or out of order");
      }
    }
  }
  std::vector<at::Tensor> coords;
  for (int64_t d = 0; d < rank; ++d) coords.push_back(idx.select(1, d));
  const at::Tensor vals = values.dim() == 0 ? values.expand({n}) : values;
  std::vector<c10::optional<at::Tensor>> index_list(coords.begin(), coords.end());
  out.index_put_(c10::List<c10::optional<at::Tensor>>(index_list), vals.to(out.scalar_type()));
  return out;
}

}  // namespace dimp::backbones::tfjs
