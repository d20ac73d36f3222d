#include "backbones/tfjs/graph_model.h"

#include <c10/util/Exception.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <set>

#include "backbones/tfjs/kernel.h"
#include "backbones/tfjs/model_json.h"
#include "backbones/tfjs/weight_shards.h"

namespace dimp::backbones::tfjs {
namespace {

enum class NodeKind { kConst, kPlaceholder, kOp };

// Node: one graph node, resolved: where its inputs come from and where its outputs go.
struct Node {
  NodeDef def;
  NodeKind kind = NodeKind::kOp;
  std::vector<int> input_slots;    // value slot of each data input
  std::vector<int> input_nodes;    // producing node of each data input, then each control input
  int first_slot = 0;              // its outputs are slots first_slot .. first_slot + num_outputs - 1
  int64_t num_outputs = 1;
  std::unique_ptr<Kernel> kernel;  // kOp only
  at::ScalarType dtype = at::kFloat;  // kPlaceholder: the input type it takes
  int64_t rank = -1;                  // kPlaceholder: the input rank it takes (-1: any)
};

// Plan: the nodes a set of outputs needs, in execution order, and which values each step frees.
struct Plan {
  struct Step {
    int node;
    std::vector<int> release;  // value slots no later step reads
  };
  std::vector<Step> steps;
  std::vector<std::pair<int, std::string>> feeds;  // slot, input name
  std::vector<int> output_slots;
};

std::string shape_text(at::IntArrayRef s) {
  std::string out = "[";
  for (size_t k = 0; k < s.size(); ++k) out += (k ? "," : "") + std::to_string(s[k]);
  return out + "]";
}

const char* type_name(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return "float32";
    case at::kInt: return "int32";
    case at::kBool: return "bool";
    default: return c10::toString(t);
  }
}

std::string error_text(const std::exception& e) {
  if (const auto* c10_error = dynamic_cast<const c10::Error*>(&e)) return c10_error->what_without_backtrace();
  return e.what();
}

}  // namespace

struct GraphModel::Impl {
  std::string source;
  std::vector<Node> nodes;
  std::map<std::string, int> index;
  std::vector<at::Tensor> constants;  // by value slot; defined for Const nodes' slots
  std::vector<int> slot_node;         // the node producing each slot
  at::ScalarType compute = at::kFloat;
  std::vector<std::string> signature_outputs;
  mutable std::mutex mutex;
  mutable std::map<std::string, std::shared_ptr<const Plan>> plans;

  [[noreturn]] void fail(const std::string& what) const { throw TfjsError("model.json " + source + ": " + what); }
  [[noreturn]] void fail_node(const Node& n, const std::string& what) const {
    fail("node '" + n.def.name + "' (op " + n.def.op + "): " + what);
  }

  void build(ModelJson model, std::map<std::string, at::Tensor> weights, const GraphModelOptions& options);
  std::shared_ptr<const Plan> plan(const std::map<std::string, at::Tensor>& inputs,
                                   const std::vector<std::string>& outputs) const;
  std::shared_ptr<const Plan> make_plan(const std::map<std::string, at::Tensor>& inputs,
                                        const std::vector<std::string>& outputs) const;
  int output_slot(const std::string& output) const;
};

void GraphModel::Impl::build(ModelJson model, std::map<std::string, at::Tensor> weights,
                             const GraphModelOptions& options) {
  source = model.source;
  switch (options.precision) {
    case Precision::kFloat32: compute = at::kFloat; break;
    case Precision::kBFloat16: compute = at::kBFloat16; break;
    case Precision::kAuto: compute = at::kFloat; break;  // see Precision
  }
  CompileOptions compile;
  compile.compute_type = compute;
  for (const std::string& s : model.signature_outputs) signature_outputs.push_back(s.substr(0, s.rfind(':')));

  nodes.resize(model.nodes.size());
  for (size_t i = 0; i < model.nodes.size(); ++i) {
    nodes[i].def = std::move(model.nodes[i]);
    index[nodes[i].def.name] = static_cast<int>(i);
  }

  // Inputs: every one must name a node.
  for (Node& n : nodes) {
    std::vector<int> control;
    for (const InputRef& in : n.def.inputs) {
      auto it = index.find(in.node);
      if (it == index.end()) fail_node(n, "input '" + in.node + "' is not a node of the graph");
      (in.control ? control : n.input_nodes).push_back(it->second);
    }
    n.input_nodes.insert(n.input_nodes.end(), control.begin(), control.end());
  }

  // Const and Placeholder nodes; a Const's value is its weight, with the dtype and shape the
  // graph states.
  std::vector<at::Tensor> node_constants(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    Node& n = nodes[i];
    if (n.def.op == "Const") {
      n.kind = NodeKind::kConst;
      auto w = weights.find(n.def.name);
      if (w == weights.end()) fail_node(n, "its weight '" + n.def.name + "' is not in weightsManifest");
      const at::Tensor& value = w->second;
      const AttrValue* attr = n.def.attrs.count("value") ? &n.def.attrs.at("value") : nullptr;
      std::string dtype = attr && attr->kind == AttrValue::Kind::kTensor ? attr->tensor_dtype : "";
      if (dtype.empty() && n.def.attrs.count("dtype") && n.def.attrs.at("dtype").kind == AttrValue::Kind::kType) {
        dtype = n.def.attrs.at("dtype").s;
      }
      if (!dtype.empty()) {
        const auto type = scalar_type_of(dtype);
        if (!type) fail_node(n, "dtype " + dtype + " is not supported");
        if (*type != value.scalar_type()) {
          fail_node(n, "weight '" + n.def.name + "' is " + type_name(value.scalar_type()) + ", the graph states " + dtype);
        }
      }
      if (attr && attr->kind == AttrValue::Kind::kTensor && !attr->shape.unknown_rank) {
        const auto& dims = attr->shape.dims;
        bool fits = static_cast<int64_t>(dims.size()) == value.dim();
        for (size_t d = 0; fits && d < dims.size(); ++d) fits = dims[d] == -1 || dims[d] == value.size(d);
        if (!fits) {
          fail_node(n, "weight '" + n.def.name + "' has shape " + shape_text(value.sizes()) + ", the graph states " +
                           shape_text(dims));
        }
      }
      node_constants[i] = value;
      if (!n.def.inputs.empty() && !std::all_of(n.def.inputs.begin(), n.def.inputs.end(),
                                                 [](const InputRef& r) { return r.control; })) {
        fail_node(n, "a Const takes no inputs");
      }
    } else if (n.def.op == "Placeholder") {
      n.kind = NodeKind::kPlaceholder;
      std::string dtype = "DT_FLOAT";
      if (n.def.attrs.count("dtype")) {
        const AttrValue& a = n.def.attrs.at("dtype");
        if (a.kind != AttrValue::Kind::kType) fail_node(n, "attribute 'dtype' must be a type");
        dtype = a.s;
      }
      const auto type = scalar_type_of(dtype);
      if (!type) fail_node(n, "dtype " + dtype + " is not supported");
      n.dtype = *type;
      if (n.def.attrs.count("shape")) {
        const AttrValue& a = n.def.attrs.at("shape");
        if (a.kind != AttrValue::Kind::kShape) fail_node(n, "attribute 'shape' must be a shape");
        if (!a.shape.unknown_rank) n.rank = static_cast<int64_t>(a.shape.dims.size());
      }
    }
  }

  // Op nodes: compiled, attributes checked, constant filters converted.
  for (Node& n : nodes) {
    if (n.kind != NodeKind::kOp) continue;
    const auto& table = op_table();
    auto op = table.find(n.def.op);
    if (op == table.end()) {
      std::string known;
      for (const auto& [name, compiler] : table) known += (known.empty() ? "" : ", ") + name;
      fail_node(n, "the op is not implemented (the executor knows Const, Placeholder, " + known + ")");
    }
    std::vector<const at::Tensor*> constant_inputs;
    for (size_t k = 0, data = 0; k < n.def.inputs.size(); ++k) {
      if (n.def.inputs[k].control) continue;
      const int producer = n.input_nodes[data++];
      const at::Tensor& c = node_constants[producer];
      constant_inputs.push_back(c.defined() && n.def.inputs[k].index == 0 ? &c : nullptr);
    }
    NodeContext context(n.def, source, std::move(constant_inputs), compile);
    CompiledNode compiled = op->second(context);
    TORCH_INTERNAL_ASSERT(compiled.kernel && compiled.num_outputs >= 1, "op ", n.def.op, " compiled to nothing");
    n.kernel = std::move(compiled.kernel);
    n.num_outputs = compiled.num_outputs;
  }

  // Value slots, and each input's slot (its output index must exist).
  int slots = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    nodes[i].first_slot = slots;
    for (int64_t k = 0; k < nodes[i].num_outputs; ++k) slot_node.push_back(static_cast<int>(i));
    slots += static_cast<int>(nodes[i].num_outputs);
  }
  constants.resize(static_cast<size_t>(slots));
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].kind == NodeKind::kConst) constants[nodes[i].first_slot] = node_constants[i];
  }
  for (Node& n : nodes) {
    size_t data = 0;
    for (const InputRef& in : n.def.inputs) {
      if (in.control) continue;
      const Node& producer = nodes[n.input_nodes[data++]];
      if (in.index >= producer.num_outputs) {
        fail_node(n, "input '" + in.node + ":" + std::to_string(in.index) + "' does not exist (" + producer.def.op +
                         " has " + std::to_string(producer.num_outputs) + " output(s))");
      }
      n.input_slots.push_back(producer.first_slot + in.index);
    }
  }

  // No cycles (Kahn's algorithm over data and control edges).
  std::vector<int> pending(nodes.size(), 0);
  std::vector<std::vector<int>> consumers(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (int p : nodes[i].input_nodes) {
      ++pending[i];
      consumers[p].push_back(static_cast<int>(i));
    }
  }
  std::vector<int> ready;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (pending[i] == 0) ready.push_back(static_cast<int>(i));
  }
  size_t done = 0;
  while (!ready.empty()) {
    const int i = ready.back();
    ready.pop_back();
    ++done;
    for (int c : consumers[i]) {
      if (--pending[c] == 0) ready.push_back(c);
    }
  }
  if (done != nodes.size()) {
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (pending[i] > 0) fail_node(nodes[i], "lies on a cycle of the graph");
    }
  }
}

int GraphModel::Impl::output_slot(const std::string& output) const {
  std::string name = output;
  int64_t k = 0;
  auto it = index.find(name);
  const size_t colon = output.rfind(':');
  if (it == index.end() && colon != std::string::npos && colon + 1 < output.size() && output.size() - colon <= 7 &&
      output.find_first_not_of("0123456789", colon + 1) == std::string::npos) {
    name = output.substr(0, colon);
    k = std::stoll(output.substr(colon + 1));
    it = index.find(name);
  }
  if (it == index.end()) fail("output '" + output + "' is not a node of the graph");
  const Node& n = nodes[it->second];
  if (k >= n.num_outputs) {
    fail("output '" + output + "': node '" + name + "' (op " + n.def.op + ") has " + std::to_string(n.num_outputs) +
         " output(s)");
  }
  return n.first_slot + static_cast<int>(k);
}

std::shared_ptr<const Plan> GraphModel::Impl::make_plan(const std::map<std::string, at::Tensor>& inputs,
                                                        const std::vector<std::string>& outputs) const {
  auto plan = std::make_shared<Plan>();
  std::vector<char> fed(nodes.size(), 0);
  for (const auto& [name, value] : inputs) {
    auto it = index.find(name);
    if (it == index.end()) fail("input '" + name + "' is not a node of the graph");
    if (nodes[it->second].num_outputs != 1) fail("input '" + name + "' names a node with several outputs");
    fed[it->second] = 1;
  }
  for (const std::string& o : outputs) plan->output_slots.push_back(output_slot(o));

  // Depth-first from the outputs (iterative: graphs can be deep), stopping at fed nodes and Consts.
  std::vector<char> state(nodes.size(), 0);  // 0 new, 1 open, 2 done
  std::vector<int> order;
  for (int slot : plan->output_slots) {
    std::vector<std::pair<int, size_t>> stack{{slot_node[slot], 0}};
    while (!stack.empty()) {
      auto& [i, next] = stack.back();
      const Node& n = nodes[i];
      if (next == 0) {
        if (state[i] == 2) {
          stack.pop_back();
          continue;
        }
        state[i] = 1;
        if (fed[i]) {
          plan->feeds.push_back({n.first_slot, n.def.name});
        } else if (n.kind == NodeKind::kPlaceholder) {
          fail("input '" + n.def.name + "' (Placeholder) is needed for the outputs asked for but was not given");
        }
      }
      const bool source = fed[i] || n.kind != NodeKind::kOp;
      if (!source && next < n.input_nodes.size()) {
        const int child = n.input_nodes[next++];
        TORCH_INTERNAL_ASSERT(state[child] != 1, "cycle through node ", nodes[child].def.name);
        if (state[child] == 0) stack.push_back({child, 0});
        continue;
      }
      state[i] = 2;
      if (!source) order.push_back(i);
      stack.pop_back();
    }
  }

  // Release each computed or fed value after its last reader (outputs are never released).
  std::vector<int> last_use(constants.size(), -1);
  for (size_t s = 0; s < order.size(); ++s) {
    for (int slot : nodes[order[s]].input_slots) last_use[slot] = static_cast<int>(s);
  }
  std::set<int> kept(plan->output_slots.begin(), plan->output_slots.end());
  for (size_t s = 0; s < order.size(); ++s) plan->steps.push_back({order[s], {}});
  for (size_t slot = 0; slot < last_use.size(); ++slot) {
    if (constants[slot].defined() || kept.count(static_cast<int>(slot))) continue;
    const int producer = slot_node[slot];
    int step = last_use[slot];
    if (step < 0) {  // an output nobody reads: free it right after its node ran
      auto it = std::find(order.begin(), order.end(), producer);
      if (it == order.end()) continue;
      step = static_cast<int>(it - order.begin());
    }
    plan->steps[step].release.push_back(static_cast<int>(slot));
  }
  return plan;
}

std::shared_ptr<const Plan> GraphModel::Impl::plan(const std::map<std::string, at::Tensor>& inputs,
                                                   const std::vector<std::string>& outputs) const {
  std::string key;
  for (const auto& o : outputs) key += o + '\n';
  key += '\1';
  for (const auto& [name, value] : inputs) key += name + '\n';
  std::lock_guard<std::mutex> lock(mutex);
  auto it = plans.find(key);
  if (it != plans.end()) return it->second;
  auto p = make_plan(inputs, outputs);
  plans[key] = p;
  return p;
}

GraphModel::GraphModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GraphModel::GraphModel(GraphModel&&) noexcept = default;
GraphModel& GraphModel::operator=(GraphModel&&) noexcept = default;
GraphModel::~GraphModel() = default;

GraphModel GraphModel::load(const std::string& model_json, const GraphModelOptions& options) {
  ModelJson model = read_model_json(model_json);
  auto weights = read_weights(model, std::filesystem::path(model_json).parent_path().string());
  auto impl = std::make_unique<Impl>();
  impl->build(std::move(model), std::move(weights), options);
  return GraphModel(std::move(impl));
}

GraphModel GraphModel::from_memory(const std::string& json_text, const std::map<std::string, std::string>& shards,
                                   const std::string& source, const GraphModelOptions& options) {
  ModelJson model = parse_model_json(json_text, source);
  auto weights = decode_weights(model, shards);
  auto impl = std::make_unique<Impl>();
  impl->build(std::move(model), std::move(weights), options);
  return GraphModel(std::move(impl));
}

std::vector<at::Tensor> GraphModel::run(const std::map<std::string, at::Tensor>& inputs,
                                        const std::vector<std::string>& outputs) const {
  const Impl& g = *impl_;
  const std::shared_ptr<const Plan> plan = g.plan(inputs, outputs);
  std::vector<at::Tensor> values(g.constants.size());
  for (const auto& [slot, name] : plan->feeds) {
    const at::Tensor& x = inputs.at(name);
    const Node& n = g.nodes[g.slot_node[slot]];
    if (!x.defined()) g.fail("input '" + name + "' is an undefined tensor");
    if (n.kind == NodeKind::kPlaceholder) {
      if (x.scalar_type() != n.dtype) {
        g.fail(std::string("input '") + name + "' must be " + type_name(n.dtype) + ", got " + type_name(x.scalar_type()));
      }
      if (n.rank >= 0 && x.dim() != n.rank) {
        g.fail("input '" + name + "' must have rank " + std::to_string(n.rank) + ", got " + shape_text(x.sizes()));
      }
    }
    values[slot] = x;
  }
  Tensors args, results;
  for (const Plan::Step& step : plan->steps) {
    const Node& n = g.nodes[step.node];
    args.clear();
    for (int slot : n.input_slots) args.push_back(g.constants[slot].defined() ? g.constants[slot] : values[slot]);
    results.assign(static_cast<size_t>(n.num_outputs), at::Tensor());
    try {
      n.kernel->run(args, results);
    } catch (const TfjsError&) {
      throw;
    } catch (const std::exception& e) {
      std::string shapes;
      for (const at::Tensor& a : args) shapes += (shapes.empty() ? "" : ", ") + shape_text(a.sizes());
      g.fail_node(n, error_text(e) + " (inputs " + shapes + ")");
    }
    for (int64_t k = 0; k < n.num_outputs; ++k) {
      TORCH_INTERNAL_ASSERT(results[k].defined(), "op ", n.def.op, " left output ", k, " undefined");
      values[n.first_slot + k] = std::move(results[k]);
    }
    for (int slot : step.release) values[slot].reset();
  }
  std::vector<at::Tensor> out;
  for (int slot : plan->output_slots) {
    at::Tensor v = g.constants[slot].defined() ? g.constants[slot] : values[slot];
    out.push_back(v.scalar_type() == at::kBFloat16 ? v.to(at::kFloat) : v);
  }
  return out;
}

std::vector<std::string> GraphModel::input_names() const {
  std::vector<std::string> out;
  for (const Node& n : impl_->nodes) {
    if (n.kind == NodeKind::kPlaceholder) out.push_back(n.def.name);
  }
  return out;
}

std::vector<std::string> GraphModel::output_names() const {
  if (!impl_->signature_outputs.empty()) return impl_->signature_outputs;
  std::vector<char> consumed(impl_->nodes.size(), 0);
  for (const Node& n : impl_->nodes) {
    for (int p : n.input_nodes) consumed[p] = 1;
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < impl_->nodes.size(); ++i) {
    if (!consumed[i] && impl_->nodes[i].kind == NodeKind::kOp) out.push_back(impl_->nodes[i].def.name);
  }
  return out;
}

bool GraphModel::has_node(const std::string& name) const { return impl_->index.count(name) > 0; }

std::string GraphModel::op(const std::string& name) const {
  auto it = impl_->index.find(name);
  return it == impl_->index.end() ? std::string() : impl_->nodes[it->second].def.op;
}

at::ScalarType GraphModel::compute_type() const { return impl_->compute; }

const std::string& GraphModel::source() const { return impl_->source; }

}  // namespace dimp::backbones::tfjs
