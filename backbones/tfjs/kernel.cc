#include "backbones/tfjs/kernel.h"

#include <stdexcept>

namespace dimp::backbones::tfjs {
namespace {

class FunctionKernel : public Kernel {
 public:
  explicit FunctionKernel(std::function<void(const Tensors&, Tensors&)> fn) : fn_(std::move(fn)) {}
  void run(const Tensors& in, Tensors& out) const override { fn_(in, out); }

 private:
  std::function<void(const Tensors&, Tensors&)> fn_;
};

const char* kind_name(AttrValue::Kind k) {
  switch (k) {
    case AttrValue::Kind::kNone: return "nothing";
    case AttrValue::Kind::kString: return "a string";
    case AttrValue::Kind::kInt: return "an integer";
    case AttrValue::Kind::kFloat: return "a number";
    case AttrValue::Kind::kBool: return "a bool";
    case AttrValue::Kind::kType: return "a type";
    case AttrValue::Kind::kShape: return "a shape";
    case AttrValue::Kind::kTensor: return "a tensor";
    case AttrValue::Kind::kList: return "a list";
  }
  return "?";
}

}  // namespace

std::unique_ptr<Kernel> make_kernel(std::function<void(const Tensors&, Tensors&)> fn) {
  return std::make_unique<FunctionKernel>(std::move(fn));
}

NodeContext::NodeContext(const NodeDef& node, const std::string& source, std::vector<const at::Tensor*> constants,
                         const CompileOptions& options)
    : node_(node), source_(source), constants_(std::move(constants)), options_(options) {}

const at::Tensor* NodeContext::constant(int64_t i) const {
  return i >= 0 && i < num_inputs() ? constants_[static_cast<size_t>(i)] : nullptr;
}

const at::Tensor& NodeContext::require_constant(int64_t i, const std::string& what) const {
  const at::Tensor* t = constant(i);
  if (!t) fail(what + " (input " + std::to_string(i) + ") must be a constant, not computed at run time");
  return *t;
}

void NodeContext::require_inputs(int64_t min, int64_t max) const {
  if (num_inputs() < min || num_inputs() > max) {
    fail("has " + std::to_string(num_inputs()) + " inputs, the op takes " +
         (min == max ? std::to_string(min) : std::to_string(min) + " to " + std::to_string(max)));
  }
}

void NodeContext::fail(const std::string& what) const {
  throw TfjsError("model.json " + source_ + ": node '" + node_.name + "' (op " + node_.op + "): " + what);
}

bool NodeContext::has_attr(const std::string& name) const {
  auto it = node_.attrs.find(name);
  return it != node_.attrs.end() && it->second.kind != AttrValue::Kind::kNone;
}

const AttrValue* NodeContext::find(const std::string& name, AttrValue::Kind kind, bool required) const {
  auto it = node_.attrs.find(name);
  if (it == node_.attrs.end() || it->second.kind == AttrValue::Kind::kNone) {
    if (required) fail("attribute '" + name + "' is missing");
    return nullptr;
  }
  if (it->second.kind != kind) {
    fail(std::string("attribute '") + name + "' must be " + kind_name(kind) + ", not " + kind_name(it->second.kind));
  }
  return &it->second;
}

std::string NodeContext::attr_string(const std::string& name, std::optional<std::string> fallback) const {
  const AttrValue* a = find(name, AttrValue::Kind::kString, !fallback);
  return a ? a->s : *fallback;
}

int64_t NodeContext::attr_int(const std::string& name, std::optional<int64_t> fallback) const {
  const AttrValue* a = find(name, AttrValue::Kind::kInt, !fallback);
  return a ? a->i : *fallback;
}

double NodeContext::attr_float(const std::string& name, std::optional<double> fallback) const {
  const AttrValue* a = find(name, AttrValue::Kind::kFloat, !fallback);
  return a ? a->f : *fallback;
}

bool NodeContext::attr_bool(const std::string& name, std::optional<bool> fallback) const {
  const AttrValue* a = find(name, AttrValue::Kind::kBool, !fallback);
  return a ? a->b : *fallback;
}

std::string NodeContext::attr_type(const std::string& name, std::optional<std::string> fallback) const {
  const AttrValue* a = find(name, AttrValue::Kind::kType, !fallback);
  return a ? a->s : *fallback;
}

std::vector<int64_t> NodeContext::attr_ints(const std::string& name,
                                           std::optional<std::vector<int64_t>> fallback) const {
  const AttrValue* a = find(name, AttrValue::Kind::kList, !fallback);
  if (!a) return *fallback;
  if (!a->list.s.empty() || !a->list.f.empty() || !a->list.b.empty() || !a->list.type.empty()) {
    fail("attribute '" + name + "' must be a list of integers");
  }
  return a->list.i;
}

std::vector<std::string> NodeContext::attr_strings(const std::string& name,
                                                   std::optional<std::vector<std::string>> fallback) const {
  const AttrValue* a = find(name, AttrValue::Kind::kList, !fallback);
  if (!a) return *fallback;
  if (!a->list.i.empty() || !a->list.f.empty() || !a->list.b.empty() || !a->list.type.empty()) {
    fail("attribute '" + name + "' must be a list of strings");
  }
  return a->list.s;
}

const OpTable& op_table() {
  static const OpTable table = [] {
    OpTable t;
    add_convolution_ops(t);
    add_elementwise_ops(t);
    add_shape_ops(t);
    add_indexing_ops(t);
    add_image_ops(t);
    return t;
  }();
  return table;
}

std::optional<at::ScalarType> scalar_type_of(const std::string& dtype) {
  if (dtype == "DT_FLOAT" || dtype == "DT_HALF" || dtype == "DT_DOUBLE" || dtype == "DT_BFLOAT16") return at::kFloat;
  if (dtype == "DT_INT32" || dtype == "DT_INT64" || dtype == "DT_INT16" || dtype == "DT_INT8" || dtype == "DT_UINT8" ||
      dtype == "DT_UINT16") {
    return at::kInt;
  }
  if (dtype == "DT_BOOL") return at::kBool;
  return std::nullopt;
}

std::vector<int64_t> int_values(const at::Tensor& t) {
  if (t.is_floating_point() || t.is_complex()) throw std::invalid_argument("expected an integer tensor, got floats");
  const at::Tensor c = t.to(at::kLong).contiguous();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

}  // namespace dimp::backbones::tfjs
