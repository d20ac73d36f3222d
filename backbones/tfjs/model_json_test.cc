// model.json parsing (attributes in protobuf's JSON mapping, input references, the manifest) and
// weight decoding (float32, int32, bool; float16 and uint8/uint16 quantisation as TF.js decodes
// them), with the refusals of malformed or hostile entries.
#include <gtest/gtest.h>

#include "backbones/tfjs/model_json.h"
#include "backbones/tfjs/testing/test_models.h"
#include "backbones/tfjs/weight_shards.h"

namespace dimp::backbones::tfjs {
namespace {

using nlohmann::json;

json minimal(json nodes, json weights = json::array()) {
  return {{"modelTopology", {{"node", nodes}}}, {"weightsManifest", json::array({{{"paths", {"w.bin"}}, {"weights", weights}}})}};
}

void expect_refused(const json& model, const std::string& part) {
  try {
    parse_model_json(model.dump(), "m.json");
    ADD_FAILURE() << "accepted; expected an error mentioning " << part;
  } catch (const TfjsError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("model.json m.json"), std::string::npos) << what;
    EXPECT_NE(what.find(part), std::string::npos) << "'" << part << "' not in: " << what;
  }
}

TEST(ModelJson, ParsesTheTinyModel) {
  const ModelJson m = parse_model_json(tiny_conv_model().text(), "tiny.json");
  EXPECT_EQ(m.source, "tiny.json");
  EXPECT_EQ(m.format, "graph-model");
  ASSERT_EQ(m.nodes.size(), 9u);
  const NodeDef& conv = m.nodes[3];
  EXPECT_EQ(conv.op, "_FusedConv2D");
  EXPECT_EQ(conv.attrs.at("padding").s, "SAME");  // base64 "U0FNRQ==" decoded
  EXPECT_EQ(conv.attrs.at("strides").list.i, (std::vector<int64_t>{1, 1, 1, 1}));
  EXPECT_EQ(conv.attrs.at("fused_ops").list.s, (std::vector<std::string>{"BiasAdd", "Relu"}));
  EXPECT_EQ(conv.attrs.at("num_args").kind, AttrValue::Kind::kInt);
  EXPECT_EQ(conv.attrs.at("T").s, "DT_FLOAT");
  EXPECT_EQ(m.nodes[0].attrs.at("shape").shape.dims, (std::vector<int64_t>{1, 4, 4, 2}));
  EXPECT_EQ(m.nodes[1].attrs.at("value").tensor_dtype, "DT_FLOAT");
  ASSERT_EQ(m.weights_manifest.size(), 1u);
  EXPECT_EQ(m.weights_manifest[0].bytes, 140);
  EXPECT_EQ(m.weights_manifest[0].weights[0].bytes, 108);  // float16: 2 bytes a value
  EXPECT_EQ(m.weights_manifest[0].weights[4].shape, std::vector<int64_t>{});
}

TEST(ModelJson, InputReferencesAndBase64) {
  const json nodes = json::array({{{"name", "a"}, {"op", "TopKV2"}}, {{"name", "b"}, {"op", "Identity"}, {"input", {"a:1", "^a"}}}});
  const ModelJson m = parse_model_json(minimal(nodes).dump(), "m.json");
  ASSERT_EQ(m.nodes[1].inputs.size(), 2u);
  EXPECT_EQ(m.nodes[1].inputs[0].node, "a");
  EXPECT_EQ(m.nodes[1].inputs[0].index, 1);
  EXPECT_TRUE(m.nodes[1].inputs[1].control);
  EXPECT_EQ(decode_base64("TkhXQw=="), std::string("NHWC"));
  EXPECT_EQ(decode_base64("TkhXQw"), std::string("NHWC"));  // padding optional
  EXPECT_EQ(decode_base64(""), std::string());
  EXPECT_EQ(decode_base64("-_8="), std::string("\xfb\xff"));  // URL-safe alphabet
  EXPECT_FALSE(decode_base64("T"));
  EXPECT_FALSE(decode_base64("TkhXQw=x"));
  EXPECT_FALSE(decode_base64("Tk!X"));
}

TEST(ModelJson, RefusesMalformedEntries) {
  const json conv = {{"name", "c"}, {"op", "Conv2D"}};
  expect_refused(json::array(), "not a JSON object");
  expect_refused({{"modelTopology", {{"node", 3}}}}, "'node' must be a list");
  expect_refused(minimal(json::array({conv, conv})), "node 'c': the name appears twice");
  expect_refused(minimal(json::array({{{"name", "c"}}})), "'op' must be a string");
  expect_refused(minimal(json::array({{{"name", "c"}, {"op", "Conv2D"}, {"input", {"a:x"}}}})), "bad output index");
  expect_refused(minimal(json::array({{{"name", "c"}, {"op", "Conv2D"}, {"attr", {{"padding", {{"s", "!!"}}}}}}})),
                 "not base64");
  expect_refused(minimal(json::array({{{"name", "c"}, {"op", "Conv2D"}, {"attr", {{"num_args", {{"i", "1e3"}}}}}}})),
                 "not an integer");
  expect_refused(minimal(json::array({{{"name", "c"}, {"op", "If"}, {"attr", {{"then_branch", {{"func", {}}}}}}}})),
                 "not supported");
  json library = minimal(json::array());
  library["modelTopology"]["library"] = {{"function", json::array({{{"signature", {}}}})}};
  expect_refused(library, "function library");
}

TEST(ModelJson, RefusesMalformedOrHostileWeights) {
  auto weight = [](json w) { return minimal(json::array(), json::array({w})); };
  expect_refused(weight({{"name", "w"}, {"shape", {2}}, {"dtype", "string"}}), "weight 'w': dtype 'string'");
  expect_refused(weight({{"name", "w"}, {"shape", {-2}}, {"dtype", "float32"}}), "non-negative");
  expect_refused(weight({{"name", "w"}, {"shape", {1 << 30, 1 << 30, 1 << 30}}, {"dtype", "float32"}}), "too large");
  expect_refused(weight({{"name", "w"}, {"shape", {2}}, {"dtype", "int32"}, {"quantization", {{"dtype", "float16"}}}}),
                 "float16 quantization needs dtype float32");
  expect_refused(weight({{"name", "w"}, {"shape", {2}}, {"dtype", "float32"}, {"quantization", {{"dtype", "uint8"}}}}),
                 "needs 'min' and 'scale'");
  expect_refused(weight({{"name", "w"}, {"shape", {2}}, {"dtype", "float32"}, {"quantization", {{"dtype", "int4"}}}}),
                 "'int4' is not supported");
  json two = minimal(json::array(), json::array({{{"name", "w"}, {"shape", {1}}, {"dtype", "int32"}},
                                                 {{"name", "w"}, {"shape", {1}}, {"dtype", "int32"}}}));
  expect_refused(two, "weight 'w': the name appears twice");
  json escape = minimal(json::array());
  escape["weightsManifest"][0]["paths"] = {"../../etc/passwd"};
  expect_refused(escape, "leaves the model's folder");
  escape["weightsManifest"][0]["paths"] = {"/abs/w.bin"};
  expect_refused(escape, "leaves the model's folder");
}

TEST(WeightShards, DecodesEveryStorage) {
  const json weights = json::array({
      {{"name", "f32"}, {"shape", {2}}, {"dtype", "float32"}},
      {{"name", "i32"}, {"shape", {2}}, {"dtype", "int32"}},
      {{"name", "b"}, {"shape", {3}}, {"dtype", "bool"}},
      {{"name", "f16"}, {"shape", {4}}, {"dtype", "float32"}, {"quantization", {{"dtype", "float16"}}}},
      {{"name", "u8"}, {"shape", {3}}, {"dtype", "float32"}, {"quantization", {{"dtype", "uint8"}, {"min", -1.0}, {"scale", 0.5}}}},
      {{"name", "u16"}, {"shape", {2}}, {"dtype", "float32"}, {"quantization", {{"dtype", "uint16"}, {"min", 0.25}, {"scale", 0.001}}}},
      {{"name", "u8i"}, {"shape", {3}}, {"dtype", "int32"}, {"quantization", {{"dtype", "uint8"}, {"min", -3.5}, {"scale", 0.5}}}},
  });
  const ModelJson m = parse_model_json(minimal(json::array(), weights).dump(), "m.json");
  std::string bytes;
  auto put = [&](const void* p, size_t n) { bytes.append(static_cast<const char*>(p), n); };
  const float f32[] = {1.5f, -2.0f};
  const int32_t i32[] = {7, -9};
  const uint8_t b[] = {1, 0, 1};
  const uint16_t f16[] = {0x3C00, 0xC000, 0x7BFF, 0x0001};  // 1, -2, 65504, the smallest subnormal
  const uint8_t u8[] = {0, 3, 255};
  const uint16_t u16[] = {0, 65535};
  const uint8_t u8i[] = {0, 2, 1};  // -3.5 -> Math.round -3 (half up); -2.5 -> -2; -3.0
  put(f32, sizeof f32), put(i32, sizeof i32), put(b, sizeof b), put(f16, sizeof f16), put(u8, sizeof u8), put(u16, sizeof u16);
  put(u8i, sizeof u8i);
  const auto w = decode_weights(m, {{"w.bin", bytes}});
  EXPECT_TRUE(at::equal(w.at("f32"), at::tensor({1.5f, -2.0f})));
  EXPECT_TRUE(at::equal(w.at("i32"), at::tensor({7, -9}, at::kInt)));
  EXPECT_TRUE(at::equal(w.at("b"), at::tensor({1, 0, 1}, at::kInt).to(at::kBool)));
  EXPECT_TRUE(at::equal(w.at("f16"), at::tensor({1.0f, -2.0f, 65504.0f, 5.9604644775390625e-8f})));
  EXPECT_TRUE(at::equal(w.at("u8"), at::tensor({-1.0f, 0.5f, 126.5f})));
  EXPECT_TRUE(at::equal(w.at("u16"), at::tensor({0.25f, static_cast<float>(65535 * 0.001 + 0.25)})));
  EXPECT_TRUE(at::equal(w.at("u8i"), at::tensor({-3, -2, -3}, at::kInt)));
  EXPECT_EQ(w.at("f16").scalar_type(), at::kFloat);
}

}  // namespace
}  // namespace dimp::backbones::tfjs
