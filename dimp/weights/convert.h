// dimp/weights/convert.h — PyTorch checkpoints (pytracking's dimp18.pth / dimp50.pth) to our
// safetensors weights, without Python: the state dict is read by torch_checkpoint.h (no code
// from the file runs), optionally checked against a module, and written with metadata.
//
//   dimp::DiMPNet net(dimp::DiMPNetConfig::dimp50());
//   dimp::weights::ConvertOptions options;
//   options.check_against = net.get();   // refuse unless every tensor fits, listing those that do not
//   options.arch = "dimp50";
//   dimp::weights::convert_torch_checkpoint("dimp50.pth", "dimp50.safetensors", options);
#pragma once

#include <torch/nn/module.h>

#include <cstdint>
#include <map>
#include <string>

#include "dimp/weights/weights_error.h"

namespace dimp::weights {

// ConvertOptions: how to convert.
struct ConvertOptions {
  const torch::nn::Module* check_against = nullptr;  // when set, the state dict must fit it exactly (check_state)
  std::string arch;                                  // recorded as metadata "arch" when not empty
  bool overwrite = false;                            // replace an existing output file (never the input)
};

// ConvertResult: what was written.
struct ConvertResult {
  size_t tensors = 0;
  int64_t float_values = 0;                    // elements of the floating-point tensors
  std::map<std::string, std::string> metadata;  // as written to the output
};

// convert_torch_checkpoint: read `in`, write its state dict to `out` (safetensors, in the
// checkpoint's order) with metadata: source (the input's file name), format
// ("pytracking-state-dict"), arch, and the checkpoint's epoch / net_type / actor_type.
// WeightsError, with nothing written, when the input is unreadable or hostile, when `out` is
// the input (or its temporary), when `out` exists and `overwrite` is false, or when the
// tensors do not fit `check_against` (every missing, unexpected and mis-shaped name listed).
ConvertResult convert_torch_checkpoint(const std::string& in, const std::string& out, const ConvertOptions& options = {});

}  // namespace dimp::weights
