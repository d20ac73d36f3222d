// Element-wise ops with broadcasting: Add, AddV2, Sub, Mul, FloorDiv, FloorMod, Equal, the
// activations Relu, Relu6, LeakyRelu, Sigmoid, and Cast and Identity.
#include <ATen/ops/leaky_relu.h>

#include "backbones/tfjs/arithmetic.h"
#include "backbones/tfjs/kernel.h"

namespace dimp::backbones::tfjs {
namespace {

CompiledNode unary(const NodeContext& c, std::function<at::Tensor(const at::Tensor&)> fn) {
  c.require_inputs(1, 1);
  return {make_kernel([fn](const Tensors& in, Tensors& out) { out[0] = fn(in[0]); })};
}

CompiledNode binary(const NodeContext& c, std::function<at::Tensor(const at::Tensor&, const at::Tensor&)> fn) {
  c.require_inputs(2, 2);
  return {make_kernel([fn](const Tensors& in, Tensors& out) { out[0] = fn(in[0], in[1]); })};
}

}  // namespace

void add_elementwise_ops(OpTable& t) {
  const auto add = [](const NodeContext& c) {
    return binary(c, [](const at::Tensor& a, const at::Tensor& b) { return a + b; });
  };
  t["Add"] = add;
  t["AddV2"] = add;
  t["Sub"] = [](const NodeContext& c) {
    return binary(c, [](const at::Tensor& a, const at::Tensor& b) { return a - b; });
  };
  t["Mul"] = [](const NodeContext& c) {
    return binary(c, [](const at::Tensor& a, const at::Tensor& b) { return a * b; });
  };
  t["FloorDiv"] = [](const NodeContext& c) { return binary(c, floor_div); };
  t["FloorMod"] = [](const NodeContext& c) { return binary(c, floor_mod); };
  t["Equal"] = [](const NodeContext& c) {
    return binary(c, [](const at::Tensor& a, const at::Tensor& b) { return a.eq(b); });
  };
  t["Relu"] = [](const NodeContext& c) { return unary(c, [](const at::Tensor& x) { return x.relu(); }); };
  t["Relu6"] = [](const NodeContext& c) { return unary(c, [](const at::Tensor& x) { return x.clamp(0, 6); }); };
  t["Sigmoid"] = [](const NodeContext& c) { return unary(c, [](const at::Tensor& x) { return x.sigmoid(); }); };
  t["LeakyRelu"] = [](const NodeContext& c) {
    const double alpha = c.attr_float("alpha", 0.2);
    return unary(c, [alpha](const at::Tensor& x) { return at::leaky_relu(x, alpha); });
  };
  t["Identity"] = [](const NodeContext& c) { return unary(c, [](const at::Tensor& x) { return x; }); };
  t["Cast"] = [](const NodeContext& c) {
    const std::string dst = c.attr_type("DstT");
    const auto type = scalar_type_of(dst);
    if (!type) c.fail("cannot cast to " + dst + " (float, integer and bool types only)");
    return unary(c, [type = *type](const at::Tensor& x) { return x.to(type); });
  };
}

}  // namespace dimp::backbones::tfjs
