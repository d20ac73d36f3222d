#include "backbones/tfjs/weight_shards.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

namespace dimp::backbones::tfjs {
namespace {

[[noreturn]] void fail(const ModelJson& model, const std::string& what) {
  throw TfjsError("model.json " + model.source + ": " + what);
}

std::string describe(const WeightSpec& w) {
  std::string shape;
  for (size_t k = 0; k < w.shape.size(); ++k) shape += (k ? "," : "") + std::to_string(w.shape[k]);
  return "weight '" + w.name + "' (" + (w.quantization ? w.quantization->dtype : w.dtype) + " [" + shape + "])";
}

// decode: one weight's bytes to its tensor.
at::Tensor decode(const WeightSpec& w, const char* bytes) {
  auto empty = [&](at::ScalarType t) { return at::empty(w.shape, at::TensorOptions().dtype(t)); };
  auto fill = [&](at::Tensor t) {  // an empty tensor has no data pointer to copy to
    if (w.bytes > 0) std::memcpy(t.data_ptr(), bytes, static_cast<size_t>(w.bytes));
    return t;
  };
  if (!w.quantization) {
    if (w.dtype == "bool") {
      return fill(empty(at::kByte)).ne(0);
    }
    return fill(empty(w.dtype == "int32" ? at::kInt : at::kFloat));
  }
  const Quantization& q = *w.quantization;
  if (q.dtype == "float16") return fill(empty(at::kHalf)).to(at::kFloat);
  // Affine codes, computed in double and rounded once, as TF.js does in JavaScript.
  const bool wide = q.dtype == "uint16";
  auto code = [&](int64_t k) -> double {
    if (!wide) return static_cast<unsigned char>(bytes[k]);
    uint16_t v;
    std::memcpy(&v, bytes + 2 * k, 2);
    return v;
  };
  if (w.dtype == "int32") {
    at::Tensor t = empty(at::kInt);
    auto* out = t.data_ptr<int32_t>();
    for (int64_t k = 0; k < w.count; ++k) {
      const double v = std::floor(code(k) * q.scale + q.min + 0.5);  // JavaScript's Math.round
      out[k] = static_cast<int32_t>(std::clamp(v, -2147483648.0, 2147483647.0));
    }
    return t;
  }
  at::Tensor t = empty(at::kFloat);
  auto* out = t.data_ptr<float>();
  constexpr double kMax = std::numeric_limits<float>::max();
  for (int64_t k = 0; k < w.count; ++k) {
    const double v = code(k) * q.scale + q.min;  // beyond float's range: infinity, as a Float32Array stores it
    out[k] = v > kMax ? std::numeric_limits<float>::infinity()
                      : v < -kMax ? -std::numeric_limits<float>::infinity() : static_cast<float>(v);
  }
  return t;
}

std::string read_file(const ModelJson& model, const std::filesystem::path& path, const std::string& shard) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    fail(model, "weight shard '" + shard + "' (" + path.string() + ") is missing");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(model, "weight shard '" + shard + "' (" + path.string() + ") cannot be opened");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) fail(model, "weight shard '" + shard + "' (" + path.string() + ") cannot be read");
  return bytes;
}

}  // namespace

std::map<std::string, at::Tensor> decode_weights(const ModelJson& model, const std::map<std::string, std::string>& shards) {
  std::map<std::string, at::Tensor> out;
  for (size_t g = 0; g < model.weights_manifest.size(); ++g) {
    const WeightGroup& group = model.weights_manifest[g];
    std::string data;
    std::string sizes;
    for (const std::string& path : group.paths) {
      auto it = shards.find(path);
      if (it == shards.end()) fail(model, "weight shard '" + path + "' is missing");
      data += it->second;
      sizes += (sizes.empty() ? "" : ", ") + path + " (" + std::to_string(it->second.size()) + " bytes)";
    }
    const int64_t held = static_cast<int64_t>(data.size());
    int64_t offset = 0;
    for (const WeightSpec& w : group.weights) {
      if (w.bytes > held - offset) {
        fail(model, describe(w) + " needs bytes [" + std::to_string(offset) + ", " + std::to_string(offset + w.bytes) +
                        ") of its shards, but they hold " + std::to_string(held) + ": " + sizes +
                        " (a short or truncated shard?)");
      }
      out[w.name] = decode(w, data.data() + offset);
      offset += w.bytes;
    }
    if (offset != held) {
      fail(model, "weightsManifest[" + std::to_string(g) + "] describes " + std::to_string(offset) +
                      " bytes of weights, but its shards hold " + std::to_string(held) + ": " + sizes +
                      " (the manifest does not describe these shards)");
    }
  }
  return out;
}

std::map<std::string, at::Tensor> read_weights(const ModelJson& model, const std::string& model_dir) {
  std::map<std::string, std::string> shards;
  for (const WeightGroup& group : model.weights_manifest) {
    for (const std::string& path : group.paths) {
      if (!shards.count(path)) shards[path] = read_file(model, std::filesystem::path(model_dir) / path, path);
    }
  }
  return decode_weights(model, shards);
}

}  // namespace dimp::backbones::tfjs
