// tests/seeded_weights.h — a weights file of a DiMP-family network initialised from a seed
// (untrained), for tests that run the trackers that need weights.
#pragma once

#include <string>

#include "dimp/dimp_net.h"
#include "dimp/weights/state_dict.h"
#include "tests/testing.h"

namespace dimp::testing {

// seeded_weights: `arch`'s network (DiMPNetConfig::from_arch) seeded with `seed`, saved in
// this test process's temporary folder; returns the path.
inline std::string seeded_weights(const std::string& arch, uint64_t seed) {
  const std::string path = temp_path(arch + "_seed" + std::to_string(seed) + ".safetensors");
  at::manual_seed(seed);
  DiMPNet net(DiMPNetConfig::from_arch(arch));
  weights::save_module(*net, path);
  return path;
}

}  // namespace dimp::testing
