#include "backbones/tfjs/arithmetic.h"

#include <ATen/ops/div.h>
#include <ATen/ops/floor.h>
#include <ATen/ops/fmod.h>
#include <ATen/ops/remainder.h>
#include <ATen/ops/where.h>

#include <stdexcept>

namespace dimp::backbones::tfjs {
namespace {

bool integral(const at::Tensor& t) { return !t.is_floating_point() && t.scalar_type() != at::kBool; }

void check_divisor(const at::Tensor& b) {
  if (integral(b) && b.eq(0).any().item<bool>()) throw std::invalid_argument("integer division by zero");
}

}  // namespace

at::Tensor floor_div(const at::Tensor& a, const at::Tensor& b) {
  if (integral(a) && integral(b)) {
    check_divisor(b);
    return at::div(a, b, "floor");
  }
  return at::floor(at::div(a, b));
}

at::Tensor floor_mod(const at::Tensor& a, const at::Tensor& b) {
  if (integral(a) && integral(b)) {
    check_divisor(b);
    return at::remainder(a, b);
  }
  const at::Tensor r = at::fmod(a, b);
  return at::where(r.ne(0).logical_and(b.lt(0).ne(r.lt(0))), r + b, r);
}

}  // namespace dimp::backbones::tfjs
