// backbones/handcrafted_features.h — features that need no weights, after Felzenszwalb's
// HOG (on the CPU its orientation histograms are one fused pass; elsewhere tensor ops): per
// pixel the strongest of the three colour channels' gradients, soft-binned into
// contrast-sensitive (18) and -insensitive (9) orientations per cell, normalised by the
// surrounding block's energy and clipped, plus the cell's gradient energy; and
// opponent-colour cell means; optionally one channel of P(target | colour) from the target's
// colour histogram (backbones/color_histogram.h, fitted by adapt_to_target on the first
// frame). Each patch's channels are centred and scaled to unit RMS (a
// well-conditioned least-squares problem for the filter optimizer).
//
//   HandcraftedFeatures f({/*cell_size=*/4, /*orientations=*/9, /*color=*/true});
//   auto x = f.extract(patches).classification;   // (B, 18 + 9 + 1 + 3, S/4, S/4)
#pragma once

#include <ATen/ATen.h>

#include <optional>

#include "backbones/color_histogram.h"
#include "backbones/feature_extractor.h"

namespace dimp::backbones {

// HandcraftedFeaturesOptions: the cell grid and the channel groups.
struct HandcraftedFeaturesOptions {
  int64_t cell_size = 4;     // pixels per cell (the feature stride)
  int64_t orientations = 9;  // unsigned gradient-orientation bins over [0, π); 0: no HOG channels
  bool color = true;         // three opponent-colour channels
  bool signed_orientations = true;  // also 2x`orientations` contrast-sensitive bins over [0, 2π) (as FHOG)
  double clip = 0.2;         // HOG clipping after normalisation
  int64_t color_histogram_bins = 0;  // > 0: a P(target | colour) channel, this many bins per RGB channel
  double color_histogram_weight = 0.5;  // that channel's scale (its values lie in [0, 1])
};

// orientation_cells: (B, bins, H/cell, W/cell) — per cell, the mean over its pixels of the
// gradient magnitude soft-assigned to the two nearest of `bins` orientation bins over
// [0, period). Gradients are central differences (replicated border) of the colour channel
// with the largest magnitude at each pixel. A fused single pass on the CPU; tensor ops on
// other devices or with `tensor_ops` (the same sums; a test holds them equal).
at::Tensor orientation_cells(const at::Tensor& rgb, int64_t bins, double period, int64_t cell, bool tensor_ops = false);

class HandcraftedFeatures {
 public:
  explicit HandcraftedFeatures(HandcraftedFeaturesOptions options = {});
  ExtractedFeatures extract(const at::Tensor& patches) const;
  // adapt_to_target: fits the colour histogram on the first frame's patch (1, 3, S, S) and
  // the target box (x, y, w, h) in it; without the colour channel, nothing to do.
  void adapt_to_target(const at::Tensor& patch, const at::Tensor& box);
  int64_t stride() const { return options_.cell_size; }
  int64_t channels() const {
    const int64_t hog = options_.orientations * (options_.signed_orientations ? 3 : 1);
    return hog + (options_.orientations > 0 ? 1 : 0) + (options_.color ? 3 : 0) +
           (options_.color_histogram_bins > 0 ? 1 : 0);
  }
  const HandcraftedFeaturesOptions& options() const { return options_; }

 private:
  HandcraftedFeaturesOptions options_;
  std::optional<ColorHistogram> color_model_;  // with the colour-histogram channel only
};

}  // namespace dimp::backbones
