// backbones/handcrafted_features.h — features that need no weights, as tensor ops (CPU or
// GPU): histograms of oriented gradients per cell (soft-binned orientations, block-energy
// normalisation with clipping, as HOG) and opponent-colour cell means.
//
//   HandcraftedFeatures f({/*cell_size=*/4, /*orientations=*/9, /*color=*/true});
//   auto x = f.extract(patches).classification;   // (B, 9 + 3, S/4, S/4)
#pragma once

#include <ATen/ATen.h>

#include "backbones/feature_extractor.h"

namespace dimp::backbones {

// HandcraftedFeaturesOptions: the cell grid and the channel groups.
struct HandcraftedFeaturesOptions {
  int64_t cell_size = 4;     // pixels per cell (the feature stride)
  int64_t orientations = 9;  // unsigned gradient-orientation bins over [0, π); 0: no HOG channels
  bool color = true;         // three opponent-colour channels
  double clip = 0.2;         // HOG clipping after normalisation
};

class HandcraftedFeatures {
 public:
  explicit HandcraftedFeatures(HandcraftedFeaturesOptions options = {});
  ExtractedFeatures extract(const at::Tensor& patches) const;
  int64_t stride() const { return options_.cell_size; }
  int64_t channels() const { return options_.orientations + (options_.color ? 3 : 0); }
  const HandcraftedFeaturesOptions& options() const { return options_; }

 private:
  HandcraftedFeaturesOptions options_;
};

}  // namespace dimp::backbones
