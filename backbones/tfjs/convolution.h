// backbones/tfjs/convolution.h — TensorFlow's 2-D convolutions and max pooling on LibTorch:
// Conv2D, DepthwiseConv2dNative and their fused forms (_FusedConv2D, FusedDepthwiseConv2dNative:
// BiasAdd and an activation), MaxPool; SAME/VALID/EXPLICIT padding as TF computes it.
//
//   Conv2d conv(filter_hwio, /*depthwise=*/false, window, bias, Activation::kRelu);
//   at::Tensor y = conv(x_nhwc);   // (N, H', W', Cout), NHWC in and out
//
// Filters are converted once, at construction: TF's HWIO (depthwise HWCM, channel multiplier M)
// to LibTorch's OIHW (depthwise (C*M, 1, H, W), groups C), with channels-last strides (LibTorch
// would otherwise convert the filter to the input's memory format on every call). NHWC data is handed to LibTorch as the
// NCHW view of the same memory (channels-last strides), so oneDNN convolves it without copies.
// TF's SAME padding is asymmetric at stride 2 (the extra row after); LibTorch pads symmetrically,
// so an asymmetric case pads the input explicitly (zeros; -inf for pooling).
#pragma once

#include <ATen/ATen.h>

#include <array>
#include <cstdint>

#include "backbones/tfjs/padding.h"

namespace dimp::backbones::tfjs {

// WindowSpec: a convolution's or pooling's window attributes, in (height, width) order.
struct WindowSpec {
  bool nchw = false;                        // data_format NCHW (else NHWC)
  int64_t kernel_h = 1, kernel_w = 1;       // pooling only (a convolution's come from its filter)
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  PaddingMode padding = PaddingMode::kValid;
  std::array<int64_t, 4> explicit_padding{};  // top, bottom, left, right (EXPLICIT only)
};

// Activation: the fused activation of _FusedConv2D / FusedDepthwiseConv2dNative.
enum class Activation { kNone, kRelu, kRelu6, kLeakyRelu, kElu, kSigmoid, kTanh };

// Conv2d: one prepared convolution, run by oneDNN (at::mkldnn_convolution on channels-last data)
// where LibTorch has it. Computes in `compute`: kFloat, or kBFloat16 (float accumulation).
//
// Why no pre-packed (oneDNN-blocked) bfloat16 filters as backbones/resnet.cc keeps: a packed
// convolution takes and returns oneDNN tensors, and between this graph's convolutions sit
// element-wise ops (hard-swish, squeeze-excite) that need dense ones; the conversions made
// centernet's backbone to stride 16 at 288x288 take 38 ms of CPU instead of 15 (dense bfloat16)
// and 10 (float32) on the AVX512-BF16 development machine.
class Conv2d {
 public:
  // filter: TF layout (HWIO, or HWCM when depthwise), float; bias: (Cout) or undefined;
  // alpha: LeakyRelu's slope.
  Conv2d(const at::Tensor& filter, bool depthwise, const WindowSpec& window, at::Tensor bias = {},
         Activation activation = Activation::kNone, double alpha = 0.2, at::ScalarType compute = at::kFloat);

  // operator(): x in the node's layout (NHWC, or NCHW), any strides; the result in the same
  // layout, in the compute type. Throws std::invalid_argument when x's channels do not fit.
  at::Tensor operator()(const at::Tensor& x) const;

  int64_t in_channels() const { return in_channels_; }
  int64_t out_channels() const { return weight_.size(0); }

 private:
  at::Tensor weight_, bias_;  // OIHW, channels-last strides; both in the compute type
  WindowSpec window_;
  int64_t in_channels_, groups_;
  bool use_onednn_ = false;
  Activation activation_;
  double alpha_;
};

// max_pool: TF's MaxPool over x in `window`'s layout; padding never wins the maximum.
at::Tensor max_pool(const at::Tensor& x, const WindowSpec& window);

// onednn_bfloat16_available: whether this CPU runs oneDNN's bfloat16 convolutions (AVX-512).
bool onednn_bfloat16_available();


}  // namespace dimp::backbones::tfjs
