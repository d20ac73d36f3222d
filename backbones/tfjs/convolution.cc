#include "backbones/tfjs/convolution.h"

#include <ATen/ops/constant_pad_nd.h>
#include <ATen/ops/convolution.h>
#include <ATen/ops/elu.h>
#include <ATen/ops/leaky_relu.h>
#include <ATen/ops/max_pool2d.h>
#include <ATen/ops/mkldnn_convolution.h>

#include <limits>
#include <stdexcept>
#include <string>

namespace dimp::backbones::tfjs {
namespace {

std::string shape_text(at::IntArrayRef s) {
  std::string out = "[";
  for (size_t k = 0; k < s.size(); ++k) out += (k ? "," : "") + std::to_string(s[k]);
  return out + "]";
}

// Padded: x (node layout) padded where TF's padding is asymmetric, and the symmetric padding
// left for LibTorch. Padding happens in the node's own layout, so NHWC data stays channels-last.
struct Padded {
  at::Tensor x;  // NCHW view
  std::array<int64_t, 2> padding;
};

Padded pad_window(const at::Tensor& x, const WindowSpec& w, int64_t kernel_h, int64_t kernel_w, double value,
                  bool symmetric_ok) {
  if (x.dim() != 4) throw std::invalid_argument("expected a 4-D tensor, got " + shape_text(x.sizes()));
  const int64_t h = x.size(w.nchw ? 2 : 1), wd = x.size(w.nchw ? 3 : 2);
  const auto& e = w.explicit_padding;
  const WindowPadding ph = window_padding(w.padding, h, kernel_h, w.stride_h, w.dilation_h, e[0], e[1]);
  const WindowPadding pw = window_padding(w.padding, wd, kernel_w, w.stride_w, w.dilation_w, e[2], e[3]);
  if (symmetric_ok && ph.before == ph.after && pw.before == pw.after) {
    return {w.nchw ? x : x.permute({0, 3, 1, 2}), {ph.before, pw.before}};
  }
  if (ph.before + ph.after + pw.before + pw.after == 0) return {w.nchw ? x : x.permute({0, 3, 1, 2}), {0, 0}};
  const at::Tensor padded =
      w.nchw ? at::constant_pad_nd(x, {pw.before, pw.after, ph.before, ph.after}, value)
             : at::constant_pad_nd(x, {0, 0, pw.before, pw.after, ph.before, ph.after}, value).permute({0, 3, 1, 2});
  return {padded, {0, 0}};
}

}  // namespace

bool onednn_bfloat16_available() {
#if defined(__x86_64__)
  static const bool ok = at::hasMKLDNN() && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
                         __builtin_cpu_supports("avx512dq");
  return ok;
#else
  return false;
#endif
}

Conv2d::Conv2d(const at::Tensor& filter, bool depthwise, const WindowSpec& window, at::Tensor bias,
               Activation activation, double alpha, at::ScalarType compute)
    : window_(window), activation_(activation), alpha_(alpha) {
  if (filter.dim() != 4 || !filter.is_floating_point()) {
    throw std::invalid_argument("the filter must be a 4-D float tensor, got " + shape_text(filter.sizes()));
  }
  const int64_t kh = filter.size(0), kw = filter.size(1);
  at::Tensor w;
  if (depthwise) {  // HWCM -> (C*M, 1, H, W): output channel c*M + m, as TF orders them
    in_channels_ = groups_ = filter.size(2);
    w = filter.permute({2, 3, 0, 1}).reshape({filter.size(2) * filter.size(3), 1, kh, kw});
  } else {  // HWIO -> OIHW
    in_channels_ = filter.size(2);
    groups_ = 1;
    w = filter.permute({3, 2, 0, 1});
  }
  if (kh < 1 || kw < 1 || w.size(0) < 1 || in_channels_ < 1) {
    throw std::invalid_argument("the filter " + shape_text(filter.sizes()) + " is empty");
  }
  if (bias.defined()) {
    if (bias.dim() != 1 || bias.size(0) != w.size(0)) {
      throw std::invalid_argument("the bias " + shape_text(bias.sizes()) + " does not fit " + std::to_string(w.size(0)) +
                                  " output channels");
    }
    bias_ = bias.to(compute).contiguous();
  }
  weight_ = w.to(compute).contiguous(at::MemoryFormat::ChannelsLast);
  use_onednn_ = at::hasMKLDNN() && (compute == at::kFloat || onednn_bfloat16_available());
}

at::Tensor Conv2d::operator()(const at::Tensor& x) const {
  if (x.dim() != 4) throw std::invalid_argument("the input must be 4-D, got " + shape_text(x.sizes()));
  const int64_t channels = x.size(window_.nchw ? 1 : 3);
  if (channels != in_channels_) {
    throw std::invalid_argument("the input " + shape_text(x.sizes()) + " has " + std::to_string(channels) +
                                " channels, the filter takes " + std::to_string(in_channels_));
  }
  const Padded p = pad_window(x, window_, weight_.size(2), weight_.size(3), 0.0, true);
  const at::ScalarType type = weight_.scalar_type();
  at::Tensor y;
  if (use_onednn_) {
    // oneDNN directly: at::convolution's heuristics send unstrided 1x1 convolutions of one image
    // on one thread to a BLAS path about 2x slower here.
    y = at::mkldnn_convolution(p.x.scalar_type() == type ? p.x : p.x.to(type), weight_, bias_, p.padding,
                               {window_.stride_h, window_.stride_w}, {window_.dilation_h, window_.dilation_w},
                               groups_);
  } else {
    y = at::convolution(p.x.scalar_type() == type ? p.x : p.x.to(type), weight_, bias_,
                        {window_.stride_h, window_.stride_w}, p.padding, {window_.dilation_h, window_.dilation_w},
                        false, {0, 0}, groups_);
  }
  switch (activation_) {
    case Activation::kNone: break;
    case Activation::kRelu: y.relu_(); break;
    case Activation::kRelu6: y.clamp_(0, 6); break;
    case Activation::kLeakyRelu: at::leaky_relu_(y, alpha_); break;
    case Activation::kElu: at::elu_(y); break;
    case Activation::kSigmoid: y.sigmoid_(); break;
    case Activation::kTanh: y.tanh_(); break;
  }
  return window_.nchw ? y : y.permute({0, 2, 3, 1});
}

at::Tensor max_pool(const at::Tensor& x, const WindowSpec& w) {
  if (w.kernel_h < 1 || w.kernel_w < 1) throw std::invalid_argument("the pooling window must be positive");
  // LibTorch pads at most half the window, symmetrically (with -inf, like TF's ignored padding).
  Padded p = pad_window(x, w, w.kernel_h, w.kernel_w, -std::numeric_limits<double>::infinity(), true);
  if (p.padding[0] > w.kernel_h / 2 || p.padding[1] > w.kernel_w / 2) {
    p = pad_window(x, w, w.kernel_h, w.kernel_w, -std::numeric_limits<double>::infinity(), false);
  }
  const at::Tensor y = at::max_pool2d(p.x, {w.kernel_h, w.kernel_w}, {w.stride_h, w.stride_w}, p.padding,
                                      {w.dilation_h, w.dilation_w}, false);
  return w.nchw ? y : y.permute({0, 2, 3, 1});
}

}  // namespace dimp::backbones::tfjs
