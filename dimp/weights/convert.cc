#include "dimp/weights/convert.h"

#include <filesystem>

#include "dimp/weights/safetensors.h"
#include "dimp/weights/state_dict.h"
#include "dimp/weights/torch_checkpoint.h"

namespace dimp::weights {
namespace {

namespace fs = std::filesystem;

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  return fs::exists(b, ec) && fs::equivalent(a, b, ec) && !ec;
}

}  // namespace

ConvertResult convert_torch_checkpoint(const std::string& in, const std::string& out, const ConvertOptions& options) {
  const std::string what = "converting " + in + " to " + out + ": ";
  // write_safetensors writes out + ".partial" and renames it into place: neither may be the input.
  if (same_file(in, out) || same_file(in, out + ".partial")) throw WeightsError(what + "the output would overwrite the input");
  std::error_code ec;
  if (!options.overwrite && fs::exists(out, ec)) {
    throw WeightsError(what + "the output exists; it is replaced only when asked (dimp_weights convert --force)");
  }

  TorchCheckpoint ckpt = read_torch_checkpoint(in);
  if (options.check_against) {
    std::map<std::string, at::Tensor> by_name(ckpt.tensors.begin(), ckpt.tensors.end());
    const LoadReport report = check_state(*options.check_against, by_name);
    if (!report.ok()) {
      throw WeightsError(what + "the checkpoint does not fit " + (options.arch.empty() ? "the model" : options.arch) + ":\n" +
                         report.describe());
    }
  }
  ConvertResult result;
  result.metadata = {{"source", fs::path(in).filename().string()}, {"format", "pytracking-state-dict"}};
  if (!options.arch.empty()) result.metadata["arch"] = options.arch;
  for (const auto& [k, v] : ckpt.info) result.metadata[k] = v;
  result.tensors = ckpt.tensors.size();
  for (const auto& [name, t] : ckpt.tensors) {
    if (t.is_floating_point()) result.float_values += t.numel();
  }
  write_safetensors(out, ckpt.tensors, result.metadata);
  return result;
}

}  // namespace dimp::weights
