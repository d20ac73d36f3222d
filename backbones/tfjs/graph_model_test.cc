// The executor on tiny hand-written graphs: it computes what the ops define, only what the
// outputs need, on any input size; and every fault of a model or a run is a TfjsError naming the
// file and the node, op, weight or shard, found by load (nothing half-loaded) where it can be.
#include <gtest/gtest.h>

#include <ATen/ops/convolution.h>

#include <filesystem>
#include <fstream>

#include "backbones/tfjs/graph_model.h"
#include "backbones/tfjs/testing/test_models.h"
#include "tests/testing.h"

namespace dimp::backbones::tfjs {
namespace {

using nlohmann::json;

// expected_conv: tiny_conv_model's conv by LibTorch's convolution (stride 1, SAME = symmetric 1).
at::Tensor expected_conv(const at::Tensor& x) {
  const at::Tensor w = tiny_filter().permute({3, 2, 0, 1}).contiguous();
  return at::convolution(x.permute({0, 3, 1, 2}), w, tiny_bias(), {1, 1}, {1, 1}, {1, 1}, false, {0, 0}, 1)
      .relu()
      .permute({0, 2, 3, 1});
}

GraphModel load(const TinyModel& m) {
  GraphModelOptions options;
  options.precision = Precision::kFloat32;
  return GraphModel::from_memory(m.text(), m.shards, "tiny.json", options);
}

// expect_error: `fn` throws a TfjsError whose message holds every one of `parts`.
template <class Fn>
void expect_error(Fn&& fn, const std::vector<std::string>& parts) {
  try {
    fn();
    ADD_FAILURE() << "no TfjsError; expected one mentioning " << parts.front();
  } catch (const TfjsError& e) {
    const std::string what = e.what();
    for (const std::string& p : parts) EXPECT_NE(what.find(p), std::string::npos) << "'" << p << "' not in: " << what;
  }
}

TEST(GraphModel, ComputesTheOpsDefinitions) {
  const GraphModel net = load(tiny_conv_model());
  EXPECT_EQ(net.input_names(), std::vector<std::string>{"x"});
  EXPECT_EQ(net.output_names(), (std::vector<std::string>{"mean", "split"}));
  EXPECT_EQ(net.op("conv"), "_FusedConv2D");
  EXPECT_FALSE(net.has_node("nope"));
  EXPECT_EQ(net.compute_type(), at::kFloat);
  at::manual_seed(3);
  for (const auto& shape : {std::vector<int64_t>{1, 4, 4, 2}, std::vector<int64_t>{2, 5, 7, 2}}) {
    const at::Tensor x = at::randn(shape);
    const auto out = net.run({{"x", x}}, {"conv", "mean", "split:1", "split", "filter"});
    const at::Tensor conv = expected_conv(x);
    EXPECT_TRUE(at::allclose(out[0], conv, 1e-5, 1e-5));
    EXPECT_TRUE(at::allclose(out[1], conv.mean({1, 2}, true), 1e-5, 1e-5));
    EXPECT_TRUE(at::equal(out[2], out[0].narrow(3, 1, 2)));
    EXPECT_TRUE(at::equal(out[3], out[0].narrow(3, 0, 1)));
    EXPECT_TRUE(at::equal(out[4], tiny_filter()));  // float16 weights dequantise exactly
  }
  // Feeding an inner node replaces it; the Placeholder is then not needed.
  const at::Tensor given = at::randn({1, 3, 3, 3});
  const auto mean = net.run({{"conv", given}}, {"mean"});
  EXPECT_TRUE(at::allclose(mean[0], given.mean({1, 2}, true)));
  // The same outputs again (the cached plan) give the same values.
  const at::Tensor x = at::randn({1, 4, 4, 2});
  EXPECT_TRUE(at::equal(net.run({{"x", x}}, {"mean"})[0], net.run({{"x", x}}, {"mean"})[0]));
}

// The fuzz target's hand-written seeds (model.json, NUL, shard) load and run: the ops of
// centernet's decoding head and of nanodet's ONNX-converted graph, together.
TEST(GraphModel, RunsTheFuzzSeeds) {
  auto seed = [](const std::string& name) {
    const auto root = dimp::testing::source_root();
    std::ifstream in(*root + "/backbones/tfjs/fuzz/corpus/model_json/" + name, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t nul = bytes.find('\0');
    return GraphModel::from_memory(bytes.substr(0, nul), {{"weights.bin", bytes.substr(nul + 1)}}, name);
  };
  auto sizes = [](const at::Tensor& t) { return t.sizes().vec(); };
  const GraphModel conv = seed("conv_mean_split");
  auto out = conv.run({{"x", at::randn({1, 4, 4, 2})}}, {"mean", "pool"});
  EXPECT_EQ(sizes(out[0]), (std::vector<int64_t>{1, 1, 1, 3}));
  EXPECT_EQ(sizes(out[1]), (std::vector<int64_t>{1, 4, 4, 2}));
  EXPECT_EQ(conv.output_names(), std::vector<std::string>{"mean"});  // the signature's

  const GraphModel head = seed("decoding_head");
  const at::Tensor heat = at::rand({1, 4, 4, 2});
  out = head.run({{"heat", heat}}, {"topk", "topk:1", "slice", "concat", "eq", "cast"});
  EXPECT_EQ(sizes(out[0]), (std::vector<int64_t>{1, 5}));
  EXPECT_EQ(out[1].scalar_type(), at::kInt);
  EXPECT_EQ(sizes(out[2]), (std::vector<int64_t>{1, 1, 5}));
  EXPECT_EQ(sizes(out[3]), (std::vector<int64_t>{1, 5, 2}));
  EXPECT_TRUE(out[4].all().item<bool>());
  EXPECT_TRUE(at::equal(out[5], out[1].remainder(2).to(at::kFloat)));
  EXPECT_FLOAT_EQ(out[0][0][0].item<float>(), heat.max().item<float>());  // resizing keeps the maximum

  const GraphModel nano = seed("nanodet_like");
  out = nano.run({{"input_1", at::randn({1, 2, 6, 6})}}, {"Identity", "pool"});
  EXPECT_EQ(sizes(out[0]), (std::vector<int64_t>{1, 8}));
  EXPECT_EQ(sizes(out[1]), (std::vector<int64_t>{1, 2, 2, 2}));
  EXPECT_TRUE(at::isfinite(out[1]).all().item<bool>());  // -inf padding never wins a window
}

TEST(GraphModel, BFloat16ConvolutionsReturnFloat) {
  TinyModel m = tiny_conv_model();
  GraphModelOptions options;
  options.precision = Precision::kBFloat16;
  const GraphModel net = GraphModel::from_memory(m.text(), m.shards, "tiny.json", options);
  EXPECT_EQ(net.compute_type(), at::kBFloat16);
  const at::Tensor x = at::randn({1, 4, 4, 2});
  const at::Tensor y = net.run({{"x", x}}, {"conv"})[0];
  EXPECT_EQ(y.scalar_type(), at::kFloat);
  const at::Tensor expected = expected_conv(x);
  EXPECT_LT(((y - expected).norm() / expected.norm()).item<double>(), 0.02);
}

TEST(GraphModelFaults, MalformedModelJson) {
  expect_error([] { GraphModel::from_memory("{\"modelTopology\": {\"node\": [", {}, "bad.json"); },
               {"model.json bad.json", "not valid JSON"});
  expect_error([] { GraphModel::from_memory("[1, 2]", {}, "bad.json"); }, {"bad.json", "not a JSON object"});
  TinyModel m = tiny_conv_model();
  m.node("conv")["input"] = "x";
  expect_error([&] { load(m); }, {"tiny.json", "node 'conv'", "'input' must be a list"});
  m = tiny_conv_model();
  m.model["format"] = "layers-model";
  expect_error([&] { load(m); }, {"tiny.json", "layers-model"});
}

TEST(GraphModelFaults, ShortMissingOrOversizedShards) {
  TinyModel m = tiny_conv_model();
  m.shards["weights.bin"].resize(m.shards["weights.bin"].size() - 6);  // split_dim's 4 bytes and 2 of sizes
  expect_error([&] { load(m); }, {"tiny.json", "weight 'sizes'", "weights.bin (134 bytes)", "short"});
  m = tiny_conv_model();
  m.shards["weights.bin"] += "xx";
  expect_error([&] { load(m); }, {"tiny.json", "weights.bin (142 bytes)", "140 bytes of weights"});
  m = tiny_conv_model();
  m.shards.clear();
  expect_error([&] { load(m); }, {"tiny.json", "weight shard 'weights.bin' is missing"});
}

TEST(GraphModelFaults, WeightsThatDoNotFitTheGraph) {
  TinyModel m = tiny_conv_model();  // the graph states [3,3,2,4]; the manifest (and shard) [3,3,2,3]
  m.node("filter")["attr"]["value"]["tensor"]["tensorShape"]["dim"][3]["size"] = "4";
  expect_error([&] { load(m); }, {"tiny.json", "node 'filter' (op Const)", "[3,3,2,3]", "[3,3,2,4]"});
  m = tiny_conv_model();
  m.node("bias")["attr"]["value"]["tensor"]["dtype"] = "DT_INT32";
  expect_error([&] { load(m); }, {"tiny.json", "node 'bias'", "float32", "DT_INT32"});
  m = tiny_conv_model();
  m.model["weightsManifest"][0]["weights"][1]["name"] = "bias_renamed";
  expect_error([&] { load(m); }, {"tiny.json", "node 'bias'", "not in weightsManifest"});
  m = tiny_conv_model();  // a conv whose filter is the wrong rank
  m.node("conv")["input"][1] = "bias";
  expect_error([&] { load(m); }, {"tiny.json", "node 'conv' (op _FusedConv2D)", "filter"});
}

TEST(GraphModelFaults, UnknownOpsMissingInputsBadAttributes) {
  TinyModel m = tiny_conv_model();
  m.node("mean")["op"] = "FancyOp";
  expect_error([&] { load(m); }, {"tiny.json", "node 'mean' (op FancyOp)", "not implemented"});
  m = tiny_conv_model();
  m.node("split")["input"][0] = "nope";
  expect_error([&] { load(m); }, {"tiny.json", "node 'split'", "input 'nope' is not a node"});
  m = tiny_conv_model();
  m.node("mean")["input"][0] = "split:2";
  expect_error([&] { load(m); }, {"tiny.json", "node 'mean'", "split:2", "2 output(s)"});
  m = tiny_conv_model();
  m.node("conv")["attr"]["padding"]["s"] = base64("WEIRD");
  expect_error([&] { load(m); }, {"tiny.json", "node 'conv' (op _FusedConv2D)", "WEIRD"});
  m = tiny_conv_model();
  m.node("conv")["attr"]["fused_ops"]["list"]["s"][1] = base64("Swish");
  expect_error([&] { load(m); }, {"tiny.json", "node 'conv'", "Swish"});
  m = tiny_conv_model();
  m.node("conv")["input"][1] = "x";  // a filter computed at run time
  expect_error([&] { load(m); }, {"tiny.json", "node 'conv'", "must be a constant"});
  m = tiny_conv_model();
  m.node("conv")["input"][0] = "split";  // conv <- split <- conv
  expect_error([&] { load(m); }, {"tiny.json", "cycle"});
}

TEST(GraphModelFaults, FilesOnDisk) {
  namespace fs = std::filesystem;
  const fs::path dir = dimp::testing::temp_path("tiny_model");
  fs::create_directories(dir);
  const TinyModel m = tiny_conv_model();
  std::ofstream(dir / "model.json") << m.text();
  expect_error([&] { GraphModel::load((dir / "model.json").string()); },
               {(dir / "model.json").string(), "weight shard 'weights.bin'", (dir / "weights.bin").string(), "missing"});
  std::ofstream(dir / "weights.bin", std::ios::binary) << m.shards.at("weights.bin");
  EXPECT_NO_THROW(GraphModel::load((dir / "model.json").string()));
  expect_error([&] { GraphModel::load((dir / "absent.json").string()); }, {"absent.json", "cannot be opened"});
}

TEST(GraphModelFaults, RunsGivenWrongInputs) {
  const GraphModel net = load(tiny_conv_model());
  const at::Tensor x = at::randn({1, 4, 4, 2});
  expect_error([&] { net.run({}, {"mean"}); }, {"tiny.json", "input 'x'", "not given"});
  expect_error([&] { net.run({{"x", x}}, {"nope"}); }, {"tiny.json", "output 'nope'"});
  expect_error([&] { net.run({{"x", x}}, {"split:2"}); }, {"tiny.json", "split:2", "2 output(s)"});
  expect_error([&] { net.run({{"y", x}}, {"mean"}); }, {"tiny.json", "input 'y' is not a node"});
  expect_error([&] { net.run({{"x", x.to(at::kInt)}}, {"mean"}); }, {"tiny.json", "input 'x' must be float32"});
  expect_error([&] { net.run({{"x", x[0]}}, {"mean"}); }, {"tiny.json", "input 'x' must have rank 4"});
  // An op that fails at run time is named: three channels where the filter takes two.
  expect_error([&] { net.run({{"x", at::randn({1, 4, 4, 3})}}, {"mean"}); },
               {"tiny.json", "node 'conv' (op _FusedConv2D)", "3 channels", "takes 2"});
}

}  // namespace
}  // namespace dimp::backbones::tfjs
