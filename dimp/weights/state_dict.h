// dimp/weights/state_dict.h — a torch::nn::Module's named tensors to and from safetensors,
// all or nothing: a file with any missing, unexpected or mis-shaped tensor is refused with a
// report naming every one of them, and the module is left untouched.
//
//   dimp::weights::load_module(net, "dimp50.safetensors");   // throws WeightsError listing problems
//   dimp::weights::save_module(net, "mine.safetensors");
#pragma once

#include <torch/nn/module.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "dimp/weights/safetensors.h"

namespace dimp::weights {

// named_state: parameters and buffers, recursively, in registration order, with the names
// the reference's state dicts use ("classifier.filter_initializer.filter_conv.weight").
std::vector<std::pair<std::string, at::Tensor>> named_state(const torch::nn::Module& module);

// LoadReport: what did not fit.
struct LoadReport {
  std::vector<std::string> missing;     // in the module, not in the file
  std::vector<std::string> unexpected;  // in the file, not in the module
  std::vector<std::string> mismatched;  // "name: file [..] vs module [..]" (shape or dtype)
  std::vector<std::string> non_finite;  // "name: n NaN/Inf values" (a network that computes garbage)
  bool ok() const { return missing.empty() && unexpected.empty() && mismatched.empty() && non_finite.empty(); }
  std::string describe() const;
};

// non_finite_tensors: "name: n of m values are NaN or Inf" for each floating tensor that holds
// any (integer tensors cannot).
std::vector<std::string> non_finite_tensors(const std::map<std::string, at::Tensor>& tensors);

// check_state: compare a file's tensors with the module's (BatchNorm's num_batches_tracked,
// an integer counter unused in evaluation, may be absent on either side); every value of the
// file's floating tensors must be finite.
LoadReport check_state(const torch::nn::Module& module, const std::map<std::string, at::Tensor>& tensors);

// load_state: copy tensors into the module (dtype converted to the module's); throws
// WeightsError with the report when anything does not fit, before copying anything.
void load_state(torch::nn::Module& module, const std::map<std::string, at::Tensor>& tensors,
                const std::string& source = "state");

void load_module(torch::nn::Module& module, const std::string& path);
void save_module(const torch::nn::Module& module, const std::string& path,
                 const std::map<std::string, std::string>& metadata = {});

}  // namespace dimp::weights
