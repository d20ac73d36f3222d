// backbones/tfjs/testing/test_models.h — for tests: tiny hand-written TF.js graph models (model.json text
// and shard bytes) to run and to break, one fault at a time.
//
//   TinyModel m = tiny_conv_model();
//   m.topology["node"][3]["op"] = "FancyOp";   // break it
//   GraphModel::from_memory(m.text(), m.shards, "tiny.json");
#pragma once

#include <ATen/ATen.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dimp::backbones::tfjs {

// base64: standard base64 with padding (what model.json holds for string attributes).
std::string base64(const std::string& bytes);

// TinyModel: a model.json as JSON (editable) and its one shard "weights.bin".
struct TinyModel {
  nlohmann::json model;
  std::map<std::string, std::string> shards;
  std::string text() const { return model.dump(); }
  nlohmann::json& node(const std::string& name);  // the node of that name
};

// tiny_conv_model: x (Placeholder [1,4,4,2], NHWC) -> conv (_FusedConv2D 3x3 SAME, BiasAdd +
// Relu, filter float16-quantised [3,3,2,3], bias float32 [3]) -> mean (Mean over [1,2],
// keep_dims) and split (SplitV of conv into 1 + 2 channels). Filter values k * 0.125 - 3 (exact in
// float16), bias 0.5, 0, -0.5.
TinyModel tiny_conv_model();

// tiny_filter / tiny_bias: the weights tiny_conv_model stores (HWIO, float32).
at::Tensor tiny_filter();
at::Tensor tiny_bias();

}  // namespace dimp::backbones::tfjs
