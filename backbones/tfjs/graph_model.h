// backbones/tfjs/graph_model.h — a TF.js graph model (model.json + weight shards) executed with
// LibTorch: loaded once, then run on named inputs for any named nodes, computing only what those
// nodes need.
//
//   using namespace dimp::backbones::tfjs;
//   GraphModel net = GraphModel::load(find_model_file(kCenterNetModel));
//   at::Tensor image = ...;                                   // (1, H, W, 3) float RGB 0..255, NHWC
//   std::vector<at::Tensor> out = net.run({{"tower_0/images", image}},
//       {"tower_0/MobilenetV3/expanded_conv_12/expand/hard_swish/mul_1"});   // (1, H/16, W/16, 528)
//
// Semantics are TensorFlow's, op by op (padding, resizing, slicing, top-k ties; see the op files),
// with tensors in TF's logical layout (NHWC stays NHWC; internally LibTorch sees channels-last
// views). `load` does all the checking: every node's op must be implemented, every input must
// name a node, every Const must have its weight with the dtype and shape the graph states, every
// shard must hold exactly the manifest's bytes; a fault is a TfjsError naming the file and the
// node or weight, and nothing is half-loaded. Weights become LibTorch tensors at load, filters in
// LibTorch's layouts (channels-last, in the precision's type); a run's execution
// plan (the nodes the outputs need, in order, and when each value can be freed) is computed once
// per set of inputs and outputs and cached. Inputs may differ in size from the Placeholder's
// stated shape (the graph's own shape constants, such as centernet's decoding head's, may then
// not fit): the rank and dtype must match.
#pragma once

#include <ATen/ATen.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backbones/tfjs/tfjs_error.h"

namespace dimp::backbones::tfjs {

// Precision: the convolutions' arithmetic (everything else runs in the type its inputs have).
// Unlike backbones/resnet.cc's, kAuto is float32 on every CPU: this graph's convolutions have few
// channels (16..528) and element-wise ops between them, and measured on the AVX512-BF16
// development machine (one thread, centernet to stride 16 at 288x288) float32 takes 10 ms of CPU,
// dense bfloat16 15 ms, bfloat16 with oneDNN-packed filters and blocked activations 38 ms (the
// conversions around every element-wise op); benchmarks/tfjs_backbone_benchmark measures it.
// bfloat16 also costs accuracy here: ~0.3% per convolution grows to 9-14% (relative RMS) at the
// stride-8 and stride-16 features (centernet_reference_test prints it).
enum class Precision {
  kAuto,      // the faster on this machine's measurements: float32
  kFloat32,   // float32 throughout, as TF.js computes
  kBFloat16,  // bfloat16 convolutions (float accumulation), dense channels-last, through oneDNN
};

// GraphModelOptions: how a model is prepared at load; fixed afterwards.
struct GraphModelOptions {
  Precision precision = Precision::kAuto;  // the convolutions' arithmetic
};

class GraphModel {
 public:
  // load: model.json at `model_json`, its shards from the same folder.
  static GraphModel load(const std::string& model_json, const GraphModelOptions& options = {});

  // from_memory: the same from a model.json's text and its shards' bytes (shard path as in the
  // manifest -> bytes); `source` names the model in errors. For tests and fuzzing.
  static GraphModel from_memory(const std::string& json_text, const std::map<std::string, std::string>& shards,
                                const std::string& source, const GraphModelOptions& options = {});

  GraphModel(GraphModel&&) noexcept;
  GraphModel& operator=(GraphModel&&) noexcept;
  ~GraphModel();

  // run: the values of `outputs` ("node" or "node:k" for a node's k-th output) given `inputs`
  // (node name -> tensor: the Placeholders the outputs need; feeding another node replaces its
  // value). DT_FLOAT outputs are float32 whatever the precision. Thread-safe. Throws TfjsError
  // for an unknown node, a missing or mistyped input, or an op that fails (naming the node).
  std::vector<at::Tensor> run(const std::map<std::string, at::Tensor>& inputs,
                              const std::vector<std::string>& outputs) const;

  // input_names: the graph's Placeholder nodes, in graph order.
  std::vector<std::string> input_names() const;
  // output_names: the signature's outputs (node names), or the nodes no other node consumes.
  std::vector<std::string> output_names() const;
  // has_node / op: whether a node exists, and its op ("" when it does not).
  bool has_node(const std::string& name) const;
  std::string op(const std::string& name) const;
  // compute_type: the convolutions' type chosen at load (kFloat or kBFloat16).
  at::ScalarType compute_type() const;
  // source: the model.json this model came from.
  const std::string& source() const;

 private:
  struct Impl;
  explicit GraphModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dimp::backbones::tfjs
