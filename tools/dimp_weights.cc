// dimp_weights — inspect, check, create and convert weights files (safetensors) of the DiMP networks.
//
//   dimp_weights info dimp50.safetensors --arch dimp50   # tensors, parameters, metadata; checks the fit
//   dimp_weights init --arch dimp18 --seed 1 --out d18.safetensors   # seeded initial weights
//   dimp_weights init --arch dimp18 --seed 1 --calibrate-batchnorm --out d18.safetensors  # + BatchNorm statistics
//   dimp_weights convert dimp50.pth dimp50.safetensors --arch dimp50  # pytracking's checkpoint, no Python
//   dimp_weights half final.safetensors shipped.safetensors          # float16 parameters, half the size
#include <ATen/ATen.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <optional>
#include <stdexcept>

#include "dimp/dimp_net.h"
#include "dimp/weights/convert.h"
#include "dimp/weights/safetensors.h"
#include "dimp/weights/state_dict.h"
#include "tools/lib/output_files.h"
#include "training/batchnorm_calibration.h"

namespace {

dimp::DiMPNetConfig config_of(const std::string& arch) { return dimp::DiMPNetConfig::from_arch(arch); }

// write_half: `in` with every floating-point parameter stored as float16. Refuses values float16
// cannot hold (|x| > 65504) rather than writing infinities.
void write_half(const std::string& in, const std::string& out, bool force) {
  dimp::tools::check_output_file(out, force, {in});
  const auto header = dimp::weights::read_safetensors_header(in);
  const auto tensors = dimp::weights::read_safetensors(in);
  std::vector<std::pair<std::string, at::Tensor>> converted;
  double worst = 0;
  for (const auto& [name, t] : tensors) {
    const bool statistic = name.find("running_") != std::string::npos;
    if (statistic || !at::isFloatingType(t.scalar_type()) || t.scalar_type() == at::kHalf) {
      converted.emplace_back(name, t);
      continue;
    }
    if (t.numel() > 0 && t.abs().max().item<double>() > 65504.0) {
      throw std::runtime_error(in + ": tensor " + name + " has values beyond float16's range");
    }
    at::Tensor h = t.to(at::kHalf);
    if (t.numel() > 0) {
      worst = std::max(worst, ((h.to(t.scalar_type()) - t).abs().max() / t.abs().max().clamp_min(1e-30)).item<double>());
    }
    converted.emplace_back(name, h);
  }
  auto metadata = header.metadata;
  metadata["storage"] = "float16";
  dimp::weights::write_safetensors(out, converted, metadata);
  std::printf("wrote %s: %zu tensors, floating-point parameters as float16 (worst rounding %.2g of a tensor's largest value)\n",
              out.c_str(), converted.size(), worst);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dimp_weights: inspect, check, create and convert DiMP weights files (safetensors)"};
  app.require_subcommand(1);
  std::string file, arch, out;
  uint64_t seed = 1;
  bool force = false, calibrate = false;
  auto* info = app.add_subcommand("info", "list a file's tensors and parameters; with --arch, check it fits");
  info->add_option("file", file, "safetensors file")->required();
  info->add_option("--arch", arch, "dimp18, dimp50, dimp-mobilenet, prdimp18, prdimp50, superdimp or prdimp-mobilenet");
  auto* init = app.add_subcommand("init", "write an architecture's seeded initial weights");
  init->add_option("--arch", arch, "dimp18, dimp50, dimp-mobilenet, prdimp18, prdimp50, superdimp or prdimp-mobilenet")->required();
  init->add_option("--seed", seed, "random seed");
  init->add_option("--out", out, "output file")->required();
  init->add_flag("--force", force, "replace an existing output file");
  init->add_flag("--calibrate-batchnorm", calibrate,
                 "measure the BatchNorm statistics on synthetic training samples of the same seed (normalised "
                 "activations; the parity tests' weights)");
  auto* convert = app.add_subcommand(
      "convert", "convert a PyTorch checkpoint (pytracking's dimp18.pth / dimp50.pth, zip or legacy format) to safetensors; "
                 "its pickles are read without running any code, and files naming code-running globals are refused");
  convert->add_option("checkpoint", file, "PyTorch checkpoint (.pth)")->required();
  convert->add_option("output", out, "safetensors file to write")->required();
  convert->add_option("--arch", arch, "dimp18, dimp50, prdimp18, prdimp50 or superdimp: refuse unless every tensor fits that network");
  convert->add_flag("--force", force, "replace an existing output file (never the input)");
  auto* half = app.add_subcommand("half", "store a weights file's floating-point parameters as float16 (half the size; "
                                          "BatchNorm statistics stay as they are); loading converts them back");
  half->add_option("input", file, "safetensors file")->required();
  half->add_option("output", out, "safetensors file to write")->required();
  half->add_flag("--force", force, "replace an existing output file (never the input)");
  CLI11_PARSE(app, argc, argv);
  try {
    if (*half) {
      write_half(file, out, force);
      return 0;
    }
    if (*convert) {
      dimp::weights::ConvertOptions options;
      options.arch = arch;
      options.overwrite = force;
      std::optional<dimp::DiMPNet> net;
      if (!arch.empty()) {
        net.emplace(config_of(arch));
        options.check_against = net->get();
      }
      const auto r = dimp::weights::convert_torch_checkpoint(file, out, options);
      std::printf("wrote %s: %zu tensors, %lld floating-point values%s\n", out.c_str(), r.tensors,
                  static_cast<long long>(r.float_values), arch.empty() ? "" : (", fits " + arch).c_str());
      return 0;
    }
    if (*init) {
      config_of(arch);  // refuses an unknown architecture before any work
      dimp::tools::check_output_file(out, force, {});
      dimp::DiMPNet net(nullptr);
      if (calibrate) {
        net = dimp::training::seeded_calibrated_net(arch, seed);
      } else {
        at::manual_seed(seed);
        net = dimp::DiMPNet(config_of(arch));
      }
      dimp::weights::save_module(*net, out, {{"arch", arch}, {"seed", std::to_string(seed)},
                                             {"batchnorm", calibrate ? "synthetic samples, seed " + std::to_string(seed)
                                                                     : "initial"}});
      std::printf("wrote %s (%s, seed %llu%s)\n", out.c_str(), arch.c_str(), static_cast<unsigned long long>(seed),
                  calibrate ? ", BatchNorm statistics from synthetic samples" : "");
      return 0;
    }
    auto header = dimp::weights::read_safetensors_header(file);
    int64_t params = 0, tensors = 0;
    for (const auto& [name, t] : header.tensors) {
      ++tensors;
      int64_t n = 1;
      for (auto d : t.shape) n *= d;
      if (name.find("running_") == std::string::npos && name.find("num_batches_tracked") == std::string::npos) params += n;
    }
    std::printf("%s: %lld tensors, %lld parameters (without BatchNorm statistics)\n", file.c_str(),
                static_cast<long long>(tensors), static_cast<long long>(params));
    for (const auto& [k, v] : header.metadata) std::printf("  %s = %s\n", k.c_str(), v.c_str());
    const auto tensors_read = dimp::weights::read_safetensors(file);
    if (arch.empty()) {
      const auto bad = dimp::weights::non_finite_tensors(tensors_read);
      if (!bad.empty()) {
        std::printf("%zu tensor(s) with NaN or Inf values:\n", bad.size());
        for (const auto& b : bad) std::printf("  %s\n", b.c_str());
        return 1;
      }
      std::printf("every value is finite\n");
    } else {
      dimp::DiMPNet net(config_of(arch));
      auto report = dimp::weights::check_state(*net, tensors_read);
      if (!report.ok()) {
        std::printf("does not fit %s:\n%s", arch.c_str(), report.describe().c_str());
        return 1;
      }
      std::printf("fits %s (every value finite)\n", arch.c_str());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dimp_weights: %s\n", e.what());
    return 1;
  }
  return 0;
}
