// backbones/tfjs/padding.h — TensorFlow's window arithmetic for convolutions and pooling: output
// size and the zeros (or -inf) added before and after, per spatial dimension.
//
//   WindowPadding p = window_padding(PaddingMode::kSame, /*in=*/288, /*kernel=*/3, /*stride=*/2);
//   // p.output == 144, p.before == 0, p.after == 1: TF pads SAME asymmetrically, the extra
//   // row or column after, unlike LibTorch's symmetric padding.
#pragma once

#include <cstdint>
#include <string>

namespace dimp::backbones::tfjs {

// PaddingMode: a node's `padding` attribute.
enum class PaddingMode { kSame, kValid, kExplicit };

// WindowPadding: one spatial dimension's padding and output size.
struct WindowPadding {
  int64_t before = 0, after = 0, output = 0;
};

// window_padding: TensorFlow's GetWindowedOutputSize. SAME: output = ceil(in / stride),
// pad_total = max((output - 1) * stride + (kernel - 1) * dilation + 1 - in, 0), before =
// floor(pad_total / 2). VALID: no padding, output = ceil((in - (kernel - 1) * dilation) / stride).
// EXPLICIT: the given `before`/`after`. Throws std::invalid_argument when the window does not fit
// (output < 0, on TF's truncating arithmetic: output 0 is allowed) or a size is not positive.
WindowPadding window_padding(PaddingMode mode, int64_t in, int64_t kernel, int64_t stride, int64_t dilation = 1,
                             int64_t explicit_before = 0, int64_t explicit_after = 0);

// padding_mode: "SAME", "VALID" or "EXPLICIT" to the mode; throws std::invalid_argument otherwise.
PaddingMode padding_mode(const std::string& name);

}  // namespace dimp::backbones::tfjs
