// backbones/tfjs/kernel.h — how the graph executor implements an op: a compiler per op name turns
// a node into a Kernel once, at load (attributes parsed, constant filters converted, every fault
// a TfjsError naming file, node and op), and the Kernel computes the node's outputs at each run.
//
//   // in an ops_*.cc file:
//   table["Relu"] = [](const NodeContext& c) {
//     c.require_inputs(1, 1);
//     return CompiledNode{make_kernel([](const Tensors& in, Tensors& out) { out[0] = in[0].relu(); })};
//   };
#pragma once

#include <ATen/ATen.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backbones/tfjs/model_json.h"
#include "backbones/tfjs/tfjs_error.h"

namespace dimp::backbones::tfjs {

using Tensors = std::vector<at::Tensor>;

// Kernel: one compiled node. `in` holds the node's data inputs in order (constants included),
// `out` is sized to the node's output count. Throws what it likes at run time (a LibTorch error,
// std::invalid_argument): the executor reports it as a TfjsError naming the node.
class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual void run(const Tensors& in, Tensors& out) const = 0;
};

// make_kernel: a Kernel from a function.
std::unique_ptr<Kernel> make_kernel(std::function<void(const Tensors&, Tensors&)> fn);

// CompileOptions: decisions the loader makes for every node.
struct CompileOptions {
  at::ScalarType compute_type = at::kFloat;  // the convolutions' arithmetic (kFloat or kBFloat16)
};

// NodeContext: what compiling a node sees: its definition, the values of its constant inputs, the
// options; and errors that name the file, the node and its op.
class NodeContext {
 public:
  NodeContext(const NodeDef& node, const std::string& source, std::vector<const at::Tensor*> constants,
              const CompileOptions& options);

  const NodeDef& node() const { return node_; }
  const CompileOptions& options() const { return options_; }
  // num_inputs: data inputs (control inputs are ordering only).
  int64_t num_inputs() const { return static_cast<int64_t>(constants_.size()); }
  // constant: input i's value when it is a Const node, else nullptr (computed at run time).
  const at::Tensor* constant(int64_t i) const;
  // require_constant: input i's value; fails naming `what` when it is computed at run time.
  const at::Tensor& require_constant(int64_t i, const std::string& what) const;
  // require_inputs: fails unless min <= num_inputs() <= max.
  void require_inputs(int64_t min, int64_t max) const;

  // Attributes; without `fallback` a missing attribute is an error, as is a mistyped one.
  bool has_attr(const std::string& name) const;
  std::string attr_string(const std::string& name, std::optional<std::string> fallback = std::nullopt) const;
  int64_t attr_int(const std::string& name, std::optional<int64_t> fallback = std::nullopt) const;
  double attr_float(const std::string& name, std::optional<double> fallback = std::nullopt) const;
  bool attr_bool(const std::string& name, std::optional<bool> fallback = std::nullopt) const;
  std::string attr_type(const std::string& name, std::optional<std::string> fallback = std::nullopt) const;
  std::vector<int64_t> attr_ints(const std::string& name,
                                 std::optional<std::vector<int64_t>> fallback = std::nullopt) const;
  std::vector<std::string> attr_strings(const std::string& name,
                                        std::optional<std::vector<std::string>> fallback = std::nullopt) const;

  // fail: TfjsError "model.json <file>: node '<name>' (op <op>): <what>".
  [[noreturn]] void fail(const std::string& what) const;

 private:
  const AttrValue* find(const std::string& name, AttrValue::Kind kind, bool required) const;

  const NodeDef& node_;
  const std::string& source_;
  std::vector<const at::Tensor*> constants_;
  const CompileOptions& options_;
};

// CompiledNode: a node's kernel and how many outputs it has ("name:1" refers to the second).
struct CompiledNode {
  std::unique_ptr<Kernel> kernel;
  int64_t num_outputs = 1;
};

using OpCompiler = std::function<CompiledNode(const NodeContext&)>;
using OpTable = std::map<std::string, OpCompiler>;

// op_table: every op the executor implements, by TensorFlow op name (Const and Placeholder are
// the executor's own).
const OpTable& op_table();

// scalar_type_of: a TF dtype name as TF.js holds it: float types float32, integer types int32
// (TF.js has no int64), DT_BOOL bool; nullopt for the rest (strings, complex).
std::optional<at::ScalarType> scalar_type_of(const std::string& dtype);

// int_values: a small integer tensor's values (shapes, axes, sizes); throws std::invalid_argument
// for a floating-point tensor.
std::vector<int64_t> int_values(const at::Tensor& t);

// The op families, each in its ops_*.cc file.
void add_convolution_ops(OpTable& table);
void add_elementwise_ops(OpTable& table);
void add_shape_ops(OpTable& table);
void add_indexing_ops(OpTable& table);
void add_image_ops(OpTable& table);

}  // namespace dimp::backbones::tfjs
