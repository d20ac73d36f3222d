// benchmarks/tracking_setup.h — what the tracker benchmarks (multi_target_benchmark,
// device_benchmark) set up alike: seeded weights for the variants that need them, and several
// targets' first boxes in one frame.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "bbox/box.h"
#include "dimp/dimp_net.h"
#include "dimp/weights/state_dict.h"

namespace dimp::benchmarks {

// seeded_weights: `arch`'s network (DiMPNetConfig::from_arch) from seed 1, saved in the
// temporary folder under `tool`'s name and this process's id; the caller removes the file.
inline std::string seeded_weights(const std::string& tool, const std::string& arch) {
  const auto path = std::filesystem::temp_directory_path() /
                    (tool + "_" + std::to_string(::getpid()) + "_" + arch + ".safetensors");
  at::manual_seed(1);
  DiMPNet net(DiMPNetConfig::from_arch(arch));
  weights::save_module(*net, path.string());
  return path.string();
}

// grid_targets: n first-frame boxes in a W x H frame: `first`, then boxes of its size (at most
// a fifth of the frame) on a 4 x 4 grid over the frame; trackers follow whatever lies there.
inline std::vector<bbox::Box> grid_targets(const bbox::Box& first, double W, double H, int n) {
  const double w = std::min(first.w, W / 5), h = std::min(first.h, H / 5);
  std::vector<bbox::Box> out{first};
  for (int k = 1; static_cast<int>(out.size()) < n; ++k) {
    const double fx = ((k - 1) % 4 + 0.5) / 4, fy = (((k - 1) / 4) % 4 + 0.5) / 4;
    out.push_back({fx * (W - w), fy * (H - h), w, h});
  }
  return out;
}

}  // namespace dimp::benchmarks
