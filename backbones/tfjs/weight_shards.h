// backbones/tfjs/weight_shards.h — a TF.js model's weights: the shards named by model.json's
// weightsManifest, checked byte for byte against it and decoded to LibTorch tensors.
//
//   ModelJson m = read_model_json(path);
//   std::map<std::string, at::Tensor> w = read_weights(m, "third_party/models/human-models-3.0.4");
//   w.at("tower_0/mul_3/y");   // float32, dequantised from float16
//
// Within a group the shards are concatenated and the weights lie back to back in manifest order
// (TF.js's layout); the bytes they need must equal the bytes the shards hold. Values are read
// little-endian. float16 becomes float32 exactly; uint8/uint16 codes q become q * scale + min,
// rounded to float32 (or, for int32 weights, rounded half up to an integer), as TF.js decodes them.
#pragma once

#include <ATen/ATen.h>

#include <map>
#include <string>

#include "backbones/tfjs/model_json.h"

namespace dimp::backbones::tfjs {

// decode_weights: every weight of `model`'s manifest, as contiguous CPU tensors (float32, int32 or
// bool), from `shards` (shard path as in the manifest -> its bytes). A missing shard, a group
// whose shards hold fewer or more bytes than its weights need: TfjsError naming the file, the
// shards and the first weight that does not fit.
std::map<std::string, at::Tensor> decode_weights(const ModelJson& model, const std::map<std::string, std::string>& shards);

// read_weights: decode_weights with the shards read from `model_dir` (the folder of model.json).
std::map<std::string, at::Tensor> read_weights(const ModelJson& model, const std::string& model_dir);

}  // namespace dimp::backbones::tfjs
