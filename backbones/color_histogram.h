// backbones/color_histogram.h — a per-target colour model: P(target | colour) from RGB
// histograms of the target box and of the rest of the first frame's patch (as Staple's and
// DAT's colour models). It describes a deforming or rotating target, whose gradients change
// from frame to frame while its colours do not, and it tells a target from look-alike
// shapes of other colours.
//
//   ColorHistogram h(16);                       // 16 bins per channel, 4096 colours
//   h.fit(patch, box);                           // patch (1, 3, S, S), box (x, y, w, h) in it
//   auto p = h.cell_likelihood(patches, 4);      // (B, 1, S/4, S/4), values in [0, 1]
#pragma once

#include <ATen/ATen.h>

namespace dimp::backbones {

class ColorHistogram {
 public:
  explicit ColorHistogram(int64_t bins_per_channel = 16);

  // fit: the foreground histogram from the pixels inside `box` (x, y, w, h in patch pixels),
  // the background one from every other pixel of the patch. `patch`: (1, 3, H, W) or
  // (3, H, W) float RGB in [0, 255].
  void fit(const at::Tensor& patch, const at::Tensor& box);
  bool fitted() const { return table_.defined(); }
  int64_t bins_per_channel() const { return bins_; }

  // likelihood: P(target | colour) of each pixel, (B, 1, H, W). A colour seen in neither
  // region gets 1/2.
  at::Tensor likelihood(const at::Tensor& patches) const;
  // cell_likelihood: its mean over cell x cell blocks, (B, 1, H/cell, W/cell): one fused
  // pass on the CPU, tensor ops elsewhere.
  at::Tensor cell_likelihood(const at::Tensor& patches, int64_t cell) const;
  // The P(target | colour) table, (bins^3) indexed (r * bins + g) * bins + b.
  const at::Tensor& table() const { return table_; }

 private:
  at::Tensor bin_index(const at::Tensor& rgb) const;  // (B, H, W) int64
  void check(const at::Tensor& patches, const char* what) const;

  int64_t bins_;
  at::Tensor table_;
};

}  // namespace dimp::backbones
