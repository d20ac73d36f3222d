#include "backbones/tfjs/testing/test_models.h"

#include <cstring>
#include <stdexcept>

namespace dimp::backbones::tfjs {
namespace {

using nlohmann::json;

json shape_json(const std::vector<int64_t>& dims) {
  json d = json::array();
  for (int64_t v : dims) d.push_back({{"size", std::to_string(v)}});
  return {{"dim", d}};
}

json const_node(const std::string& name, const std::string& dtype, const std::vector<int64_t>& dims) {
  return {{"name", name},
          {"op", "Const"},
          {"attr",
           {{"dtype", {{"type", dtype}}}, {"value", {{"tensor", {{"dtype", dtype}, {"tensorShape", shape_json(dims)}}}}}}}};
}

std::string bytes_of(const at::Tensor& t) {
  const at::Tensor c = t.contiguous();
  return std::string(static_cast<const char*>(c.data_ptr()), c.nbytes());
}

}  // namespace

std::string base64(const std::string& bytes) {
  static const char* kChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int s : {18, 12, 6, 0}) out += kChars[(v >> s) & 63];
  }
  if (i + 1 == bytes.size()) {
    const uint32_t v = uint8_t(bytes[i]) << 16;
    out += std::string{kChars[(v >> 18) & 63], kChars[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    const uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
    out += std::string{kChars[(v >> 18) & 63], kChars[(v >> 12) & 63], kChars[(v >> 6) & 63], '='};
  }
  return out;
}

at::Tensor tiny_filter() { return at::arange(54, at::kFloat).mul(0.125).sub(3).view({3, 3, 2, 3}); }
at::Tensor tiny_bias() { return at::tensor({0.5f, 0.0f, -0.5f}); }

json& TinyModel::node(const std::string& name) {
  for (json& n : model["modelTopology"]["node"]) {
    if (n["name"] == name) return n;
  }
  throw std::logic_error("tiny model has no node " + name);
}

TinyModel tiny_conv_model() {
  const json ones = {{"list", {{"i", {"1", "1", "1", "1"}}}}};
  json nodes = json::array();
  nodes.push_back({{"name", "x"},
                   {"op", "Placeholder"},
                   {"attr", {{"dtype", {{"type", "DT_FLOAT"}}}, {"shape", {{"shape", shape_json({1, 4, 4, 2})}}}}}});
  nodes.push_back(const_node("filter", "DT_FLOAT", {3, 3, 2, 3}));
  nodes.push_back(const_node("bias", "DT_FLOAT", {3}));
  nodes.push_back({{"name", "conv"},
                   {"op", "_FusedConv2D"},
                   {"input", {"x", "filter", "bias"}},
                   {"attr",
                    {{"T", {{"type", "DT_FLOAT"}}},
                     {"strides", ones},
                     {"dilations", ones},
                     {"padding", {{"s", base64("SAME")}}},
                     {"data_format", {{"s", base64("NHWC")}}},
                     {"fused_ops", {{"list", {{"s", {base64("BiasAdd"), base64("Relu")}}}}}},
                     {"num_args", {{"i", "1"}}},
                     {"epsilon", {{"f", 0}}},
                     {"explicit_paddings", {{"list", json::object()}}}}}});
  nodes.push_back(const_node("axes", "DT_INT32", {2}));
  nodes.push_back({{"name", "mean"},
                   {"op", "Mean"},
                   {"input", {"conv", "axes"}},
                   {"attr", {{"keep_dims", {{"b", true}}}, {"Tidx", {{"type", "DT_INT32"}}}}}});
  nodes.push_back(const_node("sizes", "DT_INT32", {2}));
  nodes.push_back(const_node("split_dim", "DT_INT32", {}));
  nodes.push_back({{"name", "split"},
                   {"op", "SplitV"},
                   {"input", {"conv", "sizes", "split_dim"}},
                   {"attr", {{"num_split", {{"i", "2"}}}, {"Tlen", {{"type", "DT_INT32"}}}}}});

  const json weights = json::array({
      {{"name", "filter"},
       {"shape", {3, 3, 2, 3}},
       {"dtype", "float32"},
       {"quantization", {{"dtype", "float16"}, {"original_dtype", "float32"}}}},
      {{"name", "bias"}, {"shape", {3}}, {"dtype", "float32"}},
      {{"name", "axes"}, {"shape", {2}}, {"dtype", "int32"}},
      {{"name", "sizes"}, {"shape", {2}}, {"dtype", "int32"}},
      {{"name", "split_dim"}, {"shape", json::array()}, {"dtype", "int32"}},
  });
  TinyModel m;
  m.model = {{"format", "graph-model"},
             {"generatedBy", "backbones/tfjs tests"},
             {"modelTopology", {{"node", nodes}, {"library", json::object()}, {"versions", json::object()}}},
             {"weightsManifest", json::array({{{"paths", {"weights.bin"}}, {"weights", weights}}})}};
  m.shards["weights.bin"] = bytes_of(tiny_filter().to(at::kHalf)) + bytes_of(tiny_bias()) +
                            bytes_of(at::tensor({1, 2}, at::kInt)) + bytes_of(at::tensor({1, -1}, at::kInt)) +
                            bytes_of(at::scalar_tensor(3, at::kInt));
  return m;
}

}  // namespace dimp::backbones::tfjs
