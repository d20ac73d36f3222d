// Conv2D, DepthwiseConv2dNative, their fused forms (_FusedConv2D, FusedDepthwiseConv2dNative) and
// MaxPool: attributes parsed and filters converted at load (convolution.h does the arithmetic).
#include <memory>
#include <stdexcept>

#include "backbones/tfjs/convolution.h"
#include "backbones/tfjs/kernel.h"

namespace dimp::backbones::tfjs {
namespace {

// window_spec: data_format, strides, dilations, padding (and ksize for pooling) of a node.
WindowSpec window_spec(const NodeContext& c, bool pooling) {
  WindowSpec w;
  const std::string format = c.attr_string("data_format", "NHWC");
  if (format != "NHWC" && format != "NCHW") c.fail("data_format '" + format + "' is neither NHWC nor NCHW");
  w.nchw = format == "NCHW";
  const int h = w.nchw ? 2 : 1, wd = w.nchw ? 3 : 2, batch = 0, channel = w.nchw ? 1 : 3;
  auto four = [&](const char* name, bool with_default) {
    const std::vector<int64_t> v = with_default ? c.attr_ints(name, std::vector<int64_t>{1, 1, 1, 1}) : c.attr_ints(name);
    if (v.size() != 4) c.fail(std::string("attribute '") + name + "' must hold 4 values");
    if (v[batch] != 1 || v[channel] != 1) {
      c.fail(std::string("attribute '") + name + "' must be 1 in the batch and channel dimensions");
    }
    if (v[h] < 1 || v[wd] < 1) c.fail(std::string("attribute '") + name + "' must be positive");
    return std::pair{v[h], v[wd]};
  };
  std::tie(w.stride_h, w.stride_w) = four("strides", false);
  if (pooling) {
    std::tie(w.kernel_h, w.kernel_w) = four("ksize", false);
  } else {
    std::tie(w.dilation_h, w.dilation_w) = four("dilations", true);
  }
  try {
    w.padding = padding_mode(c.attr_string("padding"));
  } catch (const std::invalid_argument& e) {
    c.fail(e.what());
  }
  if (w.padding == PaddingMode::kExplicit) {
    const std::vector<int64_t> e = c.attr_ints("explicit_paddings");
    if (e.size() != 8) c.fail("attribute 'explicit_paddings' must hold 8 values");
    for (int64_t v : e) {
      if (v < 0) c.fail("attribute 'explicit_paddings' must not be negative");
    }
    w.explicit_padding = {e[2 * h], e[2 * h + 1], e[2 * wd], e[2 * wd + 1]};
  }
  return w;
}

// activation: a fused activation's name to the enum.
Activation activation(const NodeContext& c, const std::string& name) {
  if (name == "Relu") return Activation::kRelu;
  if (name == "Relu6") return Activation::kRelu6;
  if (name == "LeakyRelu") return Activation::kLeakyRelu;
  if (name == "Elu") return Activation::kElu;
  if (name == "Sigmoid") return Activation::kSigmoid;
  if (name == "Tanh") return Activation::kTanh;
  c.fail("fused activation '" + name + "' is not implemented (Relu, Relu6, LeakyRelu, Elu, Sigmoid, Tanh)");
}

const at::Tensor& filter(const NodeContext& c) {
  const at::Tensor& f = c.require_constant(1, "the filter");
  if (!f.is_floating_point()) c.fail("the filter must hold floats");
  return f;
}

CompiledNode conv_node(std::shared_ptr<const Conv2d> conv) {
  return {make_kernel([conv](const Tensors& in, Tensors& out) { out[0] = (*conv)(in[0]); })};
}

CompiledNode compile_conv(const NodeContext& c, bool depthwise, bool fused) {
  at::Tensor bias;
  Activation act = Activation::kNone;
  if (fused) {
    const int64_t num_args = c.attr_int("num_args", 1);
    c.require_inputs(2 + num_args, 2 + num_args);
    const std::vector<std::string> ops = c.attr_strings("fused_ops", std::vector<std::string>{});
    if (ops.empty() || ops.size() > 2) c.fail("fused_ops must be BiasAdd and at most one activation");
    if (ops[0] == "FusedBatchNorm") c.fail("fused_ops FusedBatchNorm is not supported (TF.js refuses it too)");
    if (ops[0] != "BiasAdd") c.fail("fused op '" + ops[0] + "' is not implemented (BiasAdd)");
    if (num_args != 1) c.fail("BiasAdd takes one extra argument, num_args is " + std::to_string(num_args));
    bias = c.require_constant(2, "the bias");
    if (!bias.is_floating_point()) c.fail("the bias must hold floats");
    if (ops.size() == 2) act = activation(c, ops[1]);
  } else {
    c.require_inputs(2, 2);
  }
  const WindowSpec window = window_spec(c, false);
  const CompileOptions& o = c.options();
  try {
    return conv_node(std::make_shared<const Conv2d>(filter(c), depthwise, window, bias, act,
                                                    c.attr_float("leakyrelu_alpha", 0.2), o.compute_type));
  } catch (const std::invalid_argument& e) {
    c.fail(e.what());
  }
}

}  // namespace

void add_convolution_ops(OpTable& t) {
  t["Conv2D"] = [](const NodeContext& c) { return compile_conv(c, false, false); };
  t["_FusedConv2D"] = [](const NodeContext& c) { return compile_conv(c, false, true); };
  t["DepthwiseConv2dNative"] = [](const NodeContext& c) { return compile_conv(c, true, false); };
  t["FusedDepthwiseConv2dNative"] = [](const NodeContext& c) { return compile_conv(c, true, true); };
  t["MaxPool"] = [](const NodeContext& c) {
    c.require_inputs(1, 1);
    const WindowSpec w = window_spec(c, true);
    return CompiledNode{make_kernel([w](const Tensors& in, Tensors& out) { out[0] = max_pool(in[0], w); })};
  };
}

}  // namespace dimp::backbones::tfjs
