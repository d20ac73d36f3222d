// optim/filter_geometry.h — sizes and coordinate maps of a target-model filter applied to a
// feature map (§3.1: the model f is a k x k convolution over stride-s features).
//
// The filter is applied with padding k/2 (integer division), so an even k gives an output one
// cell larger than the features. Score cell o is centred on feature coordinate o + (k%2)/2,
// i.e. on patch pixel stride*(o + (k%2)/2), in continuous coordinates.
//
//   FilterGeometry g{16, 4, 4, 18, 18};
//   g.output_h();                 // 19
//   g.patch_to_score(144.0);      // 9.0: a target centred in a 288 patch sits on cell 9
#pragma once

#include <ATen/ATen.h>

#include <cstdint>

namespace dimp::optim {

// FilterGeometry: feature stride, filter size and feature size.
struct FilterGeometry {
  double stride = 16;      // patch pixels per feature cell
  int64_t filter_h = 4;    // k (rows)
  int64_t filter_w = 4;    // k (columns)
  int64_t feature_h = 18;  // feature map rows
  int64_t feature_w = 18;  // feature map columns

  int64_t pad_h() const { return filter_h / 2; }
  int64_t pad_w() const { return filter_w / 2; }
  int64_t output_h() const { return feature_h + 2 * pad_h() - filter_h + 1; }
  int64_t output_w() const { return feature_w + 2 * pad_w() - filter_w + 1; }
  // Offset of a score cell's centre from the feature cell of the same index.
  double offset_h() const { return (filter_h % 2) * 0.5; }
  double offset_w() const { return (filter_w % 2) * 0.5; }
  // Continuous patch coordinate <-> continuous score-map index.
  double patch_to_score_x(double px) const { return px / stride - offset_w(); }
  double patch_to_score_y(double py) const { return py / stride - offset_h(); }
  double score_to_patch_x(double ox) const { return (ox + offset_w()) * stride; }
  double score_to_patch_y(double oy) const { return (oy + offset_h()) * stride; }
  double patch_to_score(double p) const { return patch_to_score_x(p); }
};

// score_centers: target centres (x, y) on the score grid of `geometry`, (..., 2), from (..., 4)
// x,y,w,h boxes in patch pixels: where the labels of losses/distance_map.h are centred.
at::Tensor score_centers(const at::Tensor& boxes_xywh, const FilterGeometry& geometry);

}  // namespace dimp::optim
