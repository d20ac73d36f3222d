// backbones/tfjs/testing/tfjs_reference.h — for tests: a model's node values as TF.js itself computes
// them (its own runtime and pure-JavaScript CPU backend, tests/tfjs/run_model.js under Node.js),
// the independent reference the executor is compared with.
//
//   auto ref = run_tfjs_reference(model_json, {{"tower_0/images", image}}, {"tower_0/detections"});
//   ref.at("tower_0/detections");   // float32, shape as TF.js gives it
//
// Needs `node` on PATH and tests/tfjs/node_modules (scripts/setup.sh installs both); fails the
// calling test with a message saying so otherwise. One call is one Node process: ask for every
// node a test needs at once (loading the runtime and the model costs seconds).
#pragma once

#include <ATen/ATen.h>

#include <map>
#include <string>
#include <vector>

namespace dimp::backbones::tfjs {

// run_tfjs_reference: `outputs`' values (float32, int32 or bool tensors) of the model at
// `model_json` given float32 or int32 `inputs`; throws std::runtime_error with Node's message.
std::map<std::string, at::Tensor> run_tfjs_reference(const std::string& model_json,
                                                     const std::map<std::string, at::Tensor>& inputs,
                                                     const std::vector<std::string>& outputs);

// max_relative_error: max |a - b| / max |b| (b the reference), over all elements.
double max_relative_error(const at::Tensor& a, const at::Tensor& b);

}  // namespace dimp::backbones::tfjs
