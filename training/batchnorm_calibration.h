// training/batchnorm_calibration.h — BatchNorm statistics measured on synthetic frames, so
// that a seeded, untrained DiMP network has normalised activations: each BatchNorm's running
// mean and variance become the statistics of its input over training samples made from the
// project's synthetic sequences (data/synthetic.h; never from evaluation data).
//
//   at::manual_seed(1);
//   dimp::DiMPNet net(dimp::DiMPNetConfig::dimp18());
//   dimp::training::calibrate_batchnorm(*net, {});   // or: seeded_calibrated_net("dimp18", 1)
//
// The measurement runs in double precision and rounds the statistics to float once, so the
// same seed gives bit-identical weights wherever LibTorch's seeded initialisation is the same
// (the parity tests regenerate their weights this way instead of storing them).
#pragma once

#include <cstdint>
#include <string>

#include "dimp/dimp_net.h"

namespace dimp::training {

// CalibrationOptions: which synthetic training samples the statistics come from.
struct CalibrationOptions {
  uint64_t seed = 1;        // scenes, frames and the processing's jitter
  int sequences = 4;        // synthetic scenes, one training sample (train and test frames) each
  int frames_per_set = 2;   // train frames and test frames per sample
};

// calibrate_batchnorm: every BatchNorm the tracker uses (backbone to layer3, classification
// features, IoU-Net reference and test branches) gets the mean and (unbiased) variance of its
// input over the samples, in one training-mode pass (the layers before it already
// calibrated); affine parameters and every other tensor are unchanged. layer4 is not run.
void calibrate_batchnorm(DiMPNetImpl& net, const CalibrationOptions& options);

// seeded_calibrated_net: the network `arch` ("dimp18" or "dimp50") initialised from
// at::manual_seed(seed), with BatchNorm statistics calibrated from synthetic samples of the
// same seed.
DiMPNet seeded_calibrated_net(const std::string& arch, uint64_t seed);

}  // namespace dimp::training
