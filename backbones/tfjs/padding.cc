#include "backbones/tfjs/padding.h"

#include <algorithm>
#include <stdexcept>

namespace dimp::backbones::tfjs {

WindowPadding window_padding(PaddingMode mode, int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                             int64_t explicit_before, int64_t explicit_after) {
  if (in < 0 || kernel < 1 || stride < 1 || dilation < 1) {
    throw std::invalid_argument("window of size " + std::to_string(kernel) + ", stride " + std::to_string(stride) +
                                ", dilation " + std::to_string(dilation) + " over " + std::to_string(in) +
                                " elements: sizes must be positive");
  }
  const int64_t effective = (kernel - 1) * dilation + 1;
  WindowPadding p;
  switch (mode) {
    case PaddingMode::kValid:
      p.output = (in - effective + stride) / stride;
      break;
    case PaddingMode::kSame: {
      p.output = (in + stride - 1) / stride;
      const int64_t total = std::max<int64_t>((p.output - 1) * stride + effective - in, 0);
      p.before = total / 2;
      p.after = total - p.before;
      break;
    }
    case PaddingMode::kExplicit:
      if (explicit_before < 0 || explicit_after < 0) throw std::invalid_argument("explicit padding must not be negative");
      p.before = explicit_before;
      p.after = explicit_after;
      p.output = (in + explicit_before + explicit_after - effective + stride) / stride;
      break;
  }
  if (p.output < 0) {  // TF's check, on the same (truncating) arithmetic
    throw std::invalid_argument("a window of " + std::to_string(effective) + " does not fit " + std::to_string(in) +
                                " elements padded by " + std::to_string(p.before) + "+" + std::to_string(p.after));
  }
  return p;
}

PaddingMode padding_mode(const std::string& name) {
  if (name == "SAME") return PaddingMode::kSame;
  if (name == "VALID") return PaddingMode::kValid;
  if (name == "EXPLICIT") return PaddingMode::kExplicit;
  throw std::invalid_argument("padding '" + name + "' is none of SAME, VALID, EXPLICIT");
}

}  // namespace dimp::backbones::tfjs
