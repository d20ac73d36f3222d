// backbones/tfjs/top_k.h — TensorFlow's TopKV2: the k largest entries along the last axis, sorted
// descending, equal values in order of their index (TF's and TF.js's tie order; at::topk leaves
// ties unordered).
//
//   auto [values, indices] = top_k(scores, 100);   // indices int32, as TF returns them
#pragma once

#include <ATen/ATen.h>

#include <utility>

namespace dimp::backbones::tfjs {

// top_k: values (same type as x) and int32 indices, both (..., k). Throws std::invalid_argument
// when k is negative or larger than the last dimension, or x is a scalar.
std::pair<at::Tensor, at::Tensor> top_k(const at::Tensor& x, int64_t k);

}  // namespace dimp::backbones::tfjs
