// backbones/tfjs/model_json.h — a TF.js graph model's model.json: the graph (TensorFlow's GraphDef
// in protobuf's JSON mapping) and the weights manifest, parsed and checked, nothing executed.
//
//   ModelJson m = read_model_json("third_party/models/human-models-3.0.4/centernet.json");
//   for (const NodeDef& n : m.nodes) std::cout << n.op << " " << n.name << "\n";
//   m.weights_manifest[0].paths;      // {"centernet.bin"}: the shards, relative to model.json
//
// Every structural fault (not JSON, a missing or mistyped field, a duplicate node or weight name,
// an unknown dtype, a shard path leaving the model's folder, a shape whose byte count overflows)
// is a TfjsError naming the file and the node or weight.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "backbones/tfjs/tfjs_error.h"

namespace dimp::backbones::tfjs {

// TensorShapeAttr: a shape as a graph states it; -1 is a dimension of unknown size.
struct TensorShapeAttr {
  bool unknown_rank = false;
  std::vector<int64_t> dims;
};

// AttrValue: one node attribute (TensorFlow's AttrValue). Strings arrive base64-encoded and are
// stored decoded ("U0FNRQ==" -> "SAME"); types keep their enum names ("DT_FLOAT").
struct AttrValue {
  enum class Kind { kNone, kString, kInt, kFloat, kBool, kType, kShape, kTensor, kList };
  Kind kind = Kind::kNone;
  std::string s;                // kString: the decoded bytes; kType: the type's name
  int64_t i = 0;                // kInt
  double f = 0;                 // kFloat
  bool b = false;               // kBool
  TensorShapeAttr shape;        // kShape; kTensor: the tensor's shape
  std::string tensor_dtype;     // kTensor: its dtype's name
  struct List {
    std::vector<std::string> s, type;
    std::vector<int64_t> i;
    std::vector<double> f;
    std::vector<bool> b;
    std::vector<TensorShapeAttr> shape;
  } list;                       // kList (an empty list fits any element kind)
};

// InputRef: one input of a node: output `index` of node `node` ("name:1"), or an ordering-only
// control input ("^name").
struct InputRef {
  std::string node;
  int index = 0;
  bool control = false;
};

// NodeDef: one graph node.
struct NodeDef {
  std::string name, op;
  std::vector<InputRef> inputs;
  std::map<std::string, AttrValue> attrs;
};

// Quantization: how a weight's values are stored: float16 (IEEE half), or uint8/uint16 codes q
// that mean q * scale + min (TF.js's affine quantization).
struct Quantization {
  std::string dtype;            // "float16", "uint8", "uint16"
  double min = 0, scale = 1;    // uint8/uint16 only
};

// WeightSpec: one weights-manifest entry, in shard order.
struct WeightSpec {
  std::string name;
  std::vector<int64_t> shape;
  std::string dtype;            // "float32", "int32", "bool" (the value type after dequantisation)
  std::optional<Quantization> quantization;
  int64_t count = 0;            // elements
  int64_t bytes = 0;            // bytes it occupies in the shards
};

// WeightGroup: shards (file names relative to model.json) whose concatenation holds `weights`
// back to back.
struct WeightGroup {
  std::vector<std::string> paths;
  std::vector<WeightSpec> weights;
  int64_t bytes = 0;            // the sum of the weights' bytes
};

// ModelJson: the parsed file.
struct ModelJson {
  std::string source;           // the path (or name) errors mention
  std::string format, generated_by, converted_by;
  std::vector<NodeDef> nodes;
  std::vector<WeightGroup> weights_manifest;
  std::vector<std::string> signature_inputs, signature_outputs;  // tensor names, e.g. "input_1:0"
};

// parse_model_json: `text` as model.json; `source` names it in errors.
ModelJson parse_model_json(const std::string& text, const std::string& source);

// read_model_json: the file at `path`.
ModelJson read_model_json(const std::string& path);

// decode_base64: standard or URL-safe base64, padding optional (protobuf's JSON mapping of bytes);
// nullopt for anything else.
std::optional<std::string> decode_base64(const std::string& text);

}  // namespace dimp::backbones::tfjs
