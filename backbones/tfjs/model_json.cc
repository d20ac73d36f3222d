#include "backbones/tfjs/model_json.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace dimp::backbones::tfjs {
namespace {

using nlohmann::json;

// Parser: the file being parsed and the entry being looked at, for the messages.
struct Parser {
  const std::string& source;

  [[noreturn]] void fail(const std::string& where, const std::string& what) const {
    throw TfjsError("model.json " + source + ": " + where + (where.empty() ? "" : ": ") + what);
  }

  std::string string(const json& v, const std::string& where, const char* key) const {
    if (!v.is_object() || !v.contains(key) || !v[key].is_string()) fail(where, std::string("'") + key + "' must be a string");
    return v[key].get<std::string>();
  }

  // integer: an int64 as protobuf's JSON writes it (a number, or a decimal string).
  int64_t integer(const json& v, const std::string& where) const {
    if (v.is_number_integer()) {
      if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        fail(where, "integer out of range");
      }
      return v.get<int64_t>();
    }
    if (v.is_string()) {
      const std::string s = v.get<std::string>();
      size_t digits = (!s.empty() && s[0] == '-') ? 1 : 0;
      if (s.size() == digits || s.size() - digits > 19) fail(where, "'" + s + "' is not an integer");
      for (size_t k = digits; k < s.size(); ++k) {
        if (s[k] < '0' || s[k] > '9') fail(where, "'" + s + "' is not an integer");
      }
      errno = 0;
      char* end = nullptr;
      const long long n = std::strtoll(s.c_str(), &end, 10);
      if (errno == ERANGE) fail(where, "'" + s + "' is out of range");
      return n;
    }
    fail(where, "expected an integer, got " + std::string(v.type_name()));
  }

  // real: a float as protobuf's JSON writes it (a number, or "NaN", "Infinity", "-Infinity").
  double real(const json& v, const std::string& where) const {
    if (v.is_number()) return v.get<double>();
    if (v.is_string()) {
      const std::string s = v.get<std::string>();
      if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
      if (s == "Infinity") return std::numeric_limits<double>::infinity();
      if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
    }
    fail(where, "expected a number, got " + v.dump().substr(0, 40));
  }

  std::string type_name(const json& v, const std::string& where) const {
    if (!v.is_string()) fail(where, "a type must be a name such as DT_FLOAT");
    return v.get<std::string>();
  }

  TensorShapeAttr shape(const json& v, const std::string& where) const {
    TensorShapeAttr out;
    if (!v.is_object()) fail(where, "a shape must be an object");
    if (v.contains("unknownRank")) {
      if (!v["unknownRank"].is_boolean()) fail(where, "unknownRank must be true or false");
      out.unknown_rank = v["unknownRank"].get<bool>();
    }
    if (v.contains("dim")) {
      if (!v["dim"].is_array()) fail(where, "a shape's dim must be a list");
      for (const json& d : v["dim"]) {
        if (!d.is_object()) fail(where, "a shape's dim entries must be objects");
        const int64_t size = d.contains("size") ? integer(d["size"], where) : 0;
        if (size < -1) fail(where, "dimension " + std::to_string(size) + " is negative");
        out.dims.push_back(size);
      }
    }
    return out;
  }

  std::string bytes(const json& v, const std::string& where) const {
    if (!v.is_string()) fail(where, "a string attribute must be base64 text");
    auto decoded = decode_base64(v.get<std::string>());
    if (!decoded) fail(where, "'" + v.get<std::string>().substr(0, 40) + "' is not base64");
    return *decoded;
  }

  AttrValue attr(const json& v, const std::string& where) const {
    if (!v.is_object()) fail(where, "an attribute must be an object");
    AttrValue a;
    int kinds = 0;
    for (const char* key : {"s", "i", "f", "b", "type", "shape", "tensor", "list", "func", "placeholder"}) kinds += v.contains(key);
    if (kinds > 1) fail(where, "an attribute holds more than one value");
    if (v.contains("s")) {
      a.kind = AttrValue::Kind::kString;
      a.s = bytes(v["s"], where);
    } else if (v.contains("i")) {
      a.kind = AttrValue::Kind::kInt;
      a.i = integer(v["i"], where);
    } else if (v.contains("f")) {
      a.kind = AttrValue::Kind::kFloat;
      a.f = real(v["f"], where);
    } else if (v.contains("b")) {
      if (!v["b"].is_boolean()) fail(where, "a bool attribute must be true or false");
      a.kind = AttrValue::Kind::kBool;
      a.b = v["b"].get<bool>();
    } else if (v.contains("type")) {
      a.kind = AttrValue::Kind::kType;
      a.s = type_name(v["type"], where);
    } else if (v.contains("shape")) {
      a.kind = AttrValue::Kind::kShape;
      a.shape = shape(v["shape"], where);
    } else if (v.contains("tensor")) {
      const json& t = v["tensor"];
      if (!t.is_object()) fail(where, "a tensor attribute must be an object");
      a.kind = AttrValue::Kind::kTensor;
      if (t.contains("dtype")) a.tensor_dtype = type_name(t["dtype"], where);
      if (t.contains("tensorShape")) a.shape = shape(t["tensorShape"], where);
    } else if (v.contains("list")) {
      const json& l = v["list"];
      if (!l.is_object()) fail(where, "a list attribute must be an object");
      a.kind = AttrValue::Kind::kList;
      auto each = [&](const char* key, auto&& add) {
        if (!l.contains(key)) return;
        if (!l[key].is_array()) fail(where, std::string("list '") + key + "' must be an array");
        for (const json& e : l[key]) add(e);
      };
      each("s", [&](const json& e) { a.list.s.push_back(bytes(e, where)); });
      each("i", [&](const json& e) { a.list.i.push_back(integer(e, where)); });
      each("f", [&](const json& e) { a.list.f.push_back(real(e, where)); });
      each("b", [&](const json& e) {
        if (!e.is_boolean()) fail(where, "list 'b' must hold true or false");
        a.list.b.push_back(e.get<bool>());
      });
      each("type", [&](const json& e) { a.list.type.push_back(type_name(e, where)); });
      each("shape", [&](const json& e) { a.list.shape.push_back(shape(e, where)); });
    } else if (v.contains("func") || v.contains("placeholder")) {
      fail(where, "function and placeholder attributes (control flow, function libraries) are not supported");
    }
    return a;
  }

  InputRef input(const json& v, const std::string& where) const {
    if (!v.is_string() || v.get<std::string>().empty()) fail(where, "inputs must be non-empty strings");
    std::string s = v.get<std::string>();
    InputRef ref;
    if (s[0] == '^') {
      ref.control = true;
      s = s.substr(1);
    }
    const size_t colon = s.rfind(':');
    if (colon != std::string::npos) {
      const std::string index = s.substr(colon + 1);
      if (index.empty() || index.size() > 6 || index.find_first_not_of("0123456789") != std::string::npos) {
        fail(where, "input '" + v.get<std::string>() + "' has a bad output index");
      }
      ref.index = std::stoi(index);
      s = s.substr(0, colon);
    }
    if (s.empty()) fail(where, "input '" + v.get<std::string>() + "' names no node");
    ref.node = s;
    return ref;
  }

  NodeDef node(const json& v, size_t i) const {
    const std::string at = "node " + std::to_string(i);
    if (!v.is_object()) fail(at, "a node must be an object");
    NodeDef n;
    n.name = string(v, at, "name");
    if (n.name.empty()) fail(at, "a node's name must not be empty");
    const std::string where = "node '" + n.name + "'";
    n.op = string(v, where, "op");
    if (n.op.empty()) fail(where, "a node's op must not be empty");
    if (v.contains("input")) {
      if (!v["input"].is_array()) fail(where, "'input' must be a list");
      for (const json& in : v["input"]) n.inputs.push_back(input(in, where));
    }
    if (v.contains("attr")) {
      if (!v["attr"].is_object()) fail(where, "'attr' must be an object");
      for (auto it = v["attr"].begin(); it != v["attr"].end(); ++it) {
        n.attrs[it.key()] = attr(it.value(), where + " attribute '" + it.key() + "'");
      }
    }
    return n;
  }

  WeightSpec weight(const json& v, const std::string& at) const {
    if (!v.is_object()) fail(at, "a weight must be an object");
    WeightSpec w;
    w.name = string(v, at, "name");
    const std::string where = "weight '" + w.name + "'";
    w.dtype = string(v, where, "dtype");
    if (w.dtype != "float32" && w.dtype != "int32" && w.dtype != "bool") {
      fail(where, "dtype '" + w.dtype + "' is not supported (float32, int32, bool)");
    }
    if (!v.contains("shape") || !v["shape"].is_array()) fail(where, "'shape' must be a list");
    // Element count with an overflow check: a hostile shape must not wrap around.
    constexpr int64_t kMaxElements = int64_t{1} << 40;
    w.count = 1;
    for (const json& d : v["shape"]) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0) fail(where, "shape entries must be non-negative integers");
      const int64_t dim = d.get<int64_t>();
      w.shape.push_back(dim);
      if (dim != 0 && w.count > kMaxElements / dim) fail(where, "shape " + v["shape"].dump() + " is too large");
      w.count *= dim;
    }
    int64_t stored = w.dtype == "bool" ? 1 : 4;
    if (v.contains("quantization")) {
      const json& q = v["quantization"];
      if (!q.is_object()) fail(where, "'quantization' must be an object");
      Quantization quant;
      quant.dtype = string(q, where + " quantization", "dtype");
      if (quant.dtype == "float16") {
        if (w.dtype != "float32") fail(where, "float16 quantization needs dtype float32, not " + w.dtype);
        stored = 2;
      } else if (quant.dtype == "uint8" || quant.dtype == "uint16") {
        if (w.dtype == "bool") fail(where, quant.dtype + " quantization needs dtype float32 or int32, not bool");
        if (!q.contains("min") || !q.contains("scale")) fail(where, quant.dtype + " quantization needs 'min' and 'scale'");
        quant.min = real(q["min"], where + " quantization min");
        quant.scale = real(q["scale"], where + " quantization scale");
        if (!std::isfinite(quant.min) || !std::isfinite(quant.scale)) fail(where, "quantization min and scale must be finite");
        stored = quant.dtype == "uint8" ? 1 : 2;
      } else {
        fail(where, "quantization dtype '" + quant.dtype + "' is not supported (float16, uint8, uint16)");
      }
      w.quantization = quant;
    }
    w.bytes = w.count * stored;
    return w;
  }

  std::string shard_path(const json& v, const std::string& where) const {
    if (!v.is_string() || v.get<std::string>().empty()) fail(where, "shard paths must be non-empty strings");
    const std::string p = v.get<std::string>();
    const std::filesystem::path path(p);
    bool leaves = path.is_absolute() || p.find('\0') != std::string::npos;
    for (const auto& part : path) leaves = leaves || part == "..";
    if (leaves) fail(where, "shard path '" + p + "' leaves the model's folder");
    return p;
  }
};

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

}  // namespace

std::optional<std::string> decode_base64(const std::string& text) {
  size_t n = text.size();
  while (n > 0 && text[n - 1] == '=' && text.size() - n < 2) --n;
  if (n % 4 == 1) return std::nullopt;
  if (n != text.size() && text.size() % 4 != 0) return std::nullopt;  // padding only to a multiple of 4
  std::string out;
  out.reserve(n * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t k = 0; k < n; ++k) {
    const int v = base64_value(text[k]);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;  // leftover bits must be zero
  return out;
}

ModelJson parse_model_json(const std::string& text, const std::string& source) {
  const Parser p{source};
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& e) {
    p.fail("", std::string("not valid JSON (") + e.what() + ")");
  }
  if (!root.is_object()) p.fail("", "not a JSON object");
  ModelJson m;
  m.source = source;
  for (auto [key, field] : {std::pair{"format", &m.format}, std::pair{"generatedBy", &m.generated_by},
                            std::pair{"convertedBy", &m.converted_by}}) {
    if (root.contains(key) && root[key].is_string()) *field = root[key].get<std::string>();
  }
  if (!m.format.empty() && m.format != "graph-model") {
    p.fail("", "format '" + m.format + "' is not a TF.js graph model (graph-model)");
  }
  if (!root.contains("modelTopology") || !root["modelTopology"].is_object()) {
    p.fail("", "'modelTopology' must be an object (a TF.js graph model)");
  }
  const json& topology = root["modelTopology"];
  if (!topology.contains("node") || !topology["node"].is_array()) p.fail("modelTopology", "'node' must be a list");
  if (topology.contains("library") && topology["library"].is_object() && topology["library"].contains("function") &&
      !topology["library"]["function"].empty()) {
    p.fail("modelTopology", "the graph has a function library (control flow), which is not supported");
  }
  std::set<std::string> names;
  const json& nodes = topology["node"];
  for (size_t i = 0; i < nodes.size(); ++i) {
    NodeDef n = p.node(nodes[i], i);
    if (!names.insert(n.name).second) p.fail("node '" + n.name + "'", "the name appears twice");
    m.nodes.push_back(std::move(n));
  }

  if (root.contains("weightsManifest")) {
    const json& manifest = root["weightsManifest"];
    if (!manifest.is_array()) p.fail("", "'weightsManifest' must be a list");
    std::set<std::string> weights;
    for (size_t g = 0; g < manifest.size(); ++g) {
      const std::string at = "weightsManifest[" + std::to_string(g) + "]";
      const json& group = manifest[g];
      if (!group.is_object() || !group.contains("paths") || !group["paths"].is_array() || !group.contains("weights") ||
          !group["weights"].is_array()) {
        p.fail(at, "a group must have lists 'paths' and 'weights'");
      }
      WeightGroup wg;
      for (const json& path : group["paths"]) wg.paths.push_back(p.shard_path(path, at));
      for (const json& w : group["weights"]) {
        WeightSpec spec = p.weight(w, at);
        if (!weights.insert(spec.name).second) p.fail("weight '" + spec.name + "'", "the name appears twice");
        if (wg.bytes > (int64_t{1} << 50) - spec.bytes) p.fail("weight '" + spec.name + "'", "the group is too large");
        wg.bytes += spec.bytes;
        wg.weights.push_back(std::move(spec));
      }
      if (wg.paths.empty() && wg.bytes > 0) p.fail(at, "weights need bytes but the group names no shard");
      m.weights_manifest.push_back(std::move(wg));
    }
  }

  if (root.contains("signature") && !root["signature"].is_null()) {
    const json& sig = root["signature"];
    if (!sig.is_object()) p.fail("signature", "must be an object");
    for (auto [key, list] : {std::pair{"inputs", &m.signature_inputs}, std::pair{"outputs", &m.signature_outputs}}) {
      if (!sig.contains(key)) continue;
      if (!sig[key].is_object()) p.fail("signature", std::string("'") + key + "' must be an object");
      for (auto it = sig[key].begin(); it != sig[key].end(); ++it) {
        const json& entry = it.value();
        list->push_back(entry.is_object() && entry.contains("name") && entry["name"].is_string()
                            ? entry["name"].get<std::string>()
                            : it.key());
      }
    }
  }
  return m;
}

ModelJson read_model_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw TfjsError("model.json " + path + ": cannot be opened");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw TfjsError("model.json " + path + ": cannot be read");
  return parse_model_json(text.str(), path);
}

}  // namespace dimp::backbones::tfjs
