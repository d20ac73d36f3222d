// backbones/tfjs/arithmetic.h — TensorFlow's FloorDiv and FloorMod, whose float forms LibTorch's
// floor_divide / remainder round differently.
//
//   floor_div(a, b);   // integers: exact floor division; floats: floor(a / b), TF's formula
//   floor_mod(a, b);   // the result takes the divisor's sign: floor_mod(-7, 3) == 2
#pragma once

#include <ATen/ATen.h>

namespace dimp::backbones::tfjs {

// floor_div: TF's FloorDiv (broadcasting). Integer division by zero throws (as TF refuses it).
at::Tensor floor_div(const at::Tensor& a, const at::Tensor& b);

// floor_mod: TF's FloorMod: integers as Python's %; floats fmod(a, b), plus b when that is non-zero
// and its sign differs from b's.
at::Tensor floor_mod(const at::Tensor& a, const at::Tensor& b);

}  // namespace dimp::backbones::tfjs
