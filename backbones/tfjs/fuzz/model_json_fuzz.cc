// Fuzz target: a TF.js model.json and its weights manifest, loaded as GraphModel::load would (the
// graph parsed, every Const's weight decoded and checked, every node compiled). The input is the
// model.json text, then optionally a NUL byte and the bytes of its shard "weights.bin". Loaded or
// refused with a TfjsError, nothing else.
#include <cstdint>
#include <cstring>
#include <map>
#include <string>

#include "backbones/tfjs/graph_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  std::map<std::string, std::string> shards;
  if (nul != std::string::npos) shards["weights.bin"] = input.substr(nul + 1);
  try {
    dimp::backbones::tfjs::GraphModelOptions options;
    options.precision = dimp::backbones::tfjs::Precision::kFloat32;
    dimp::backbones::tfjs::GraphModel::from_memory(input.substr(0, nul), shards, "fuzz.json", options);
  } catch (const dimp::backbones::tfjs::TfjsError&) {
  }
  return 0;
}
