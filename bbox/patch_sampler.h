// bbox/patch_sampler.h — crop a search region around the target and resize it to the
// network input, as tensor ops (CPU or GPU, uint8 or float images).
//
// The tracker samples a square region of search_area_scale x sqrt(target area) around the
// current estimate and resizes it to e.g. 288 x 288. The returned PatchRegion says exactly
// which image region the patch covers, so score-map peaks and boxes map back to the image.
//
//   at::Tensor img = ...;                                   // (3, H, W) or (1, 3, H, W)
//   auto s = dimp::bbox::sample_patch(img, {cx, cy, side, side}, {288, 288});
//   Box in_image = s.region.box_to_image(box_in_patch);
#pragma once

#include <ATen/ATen.h>

#include <limits>
#include <vector>

#include "bbox/box.h"

namespace dimp::bbox {

// BorderMode: how a region reaching beyond the image is filled.
enum class BorderMode {
  kReplicate,    // repeat the nearest edge pixel (the reference's default)
  kMean,         // per-channel mean of the visible part of the region
  kZero,         // zeros
  kInside,       // shrink (up to max_scale_change) and shift the region to lie inside the image
  kInsideMajor,  // as kInside, but shrink only as far as the shorter image side requires
};

// CropRule: how a region becomes a crop of whole pixels, and which region the patch reports.
enum class CropRule {
  // The crop nearest the request: its size rounded (at least 2 pixels), its start rounded (a
  // half pixel up); the reported region is exactly the crop.
  kCentered,
  // pytracking's sample_patch as it runs under PyTorch >= 1.5, where (size - 1) / 2 is a true
  // division: anchored on trunc(centre) in pytracking's pixel-centre coordinates (our centre
  // - 0.5), the crop spans [trunc(tl), trunc(br)) with tl = c - (n - 1) / 2, br = c + n / 2 + 1
  // (n the rounded size, halves to even): an even n cuts n + 1 pixels where the crop starts
  // inside the image, n where it starts outside. The reported region is [tl, br) times the
  // pre-downsampling stride, half-pixel ends included and the stride's offset left out: the
  // coordinates pytracking's tracker maps scores and boxes with.
  kPytracking,
};

// PatchSamplerOptions: how sample_patch crops and resizes.
struct PatchSamplerOptions {
  BorderMode border = BorderMode::kReplicate;
  CropRule crop = CropRule::kCentered;
  // Largest shrink factor the kInside modes may apply to the region (>= 1).
  double max_scale_change = std::numeric_limits<double>::infinity();
  // Subsample the image by an integer stride before the bilinear resize when shrinking by
  // 2x or more, as the reference does: cheaper, and the trained networks saw such patches.
  bool predownsample = true;
};

// PatchRegion: the image region [x0, x1) x [y0, y1) a patch of out_w x out_h pixels covers.
struct PatchRegion {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  int out_w = 0, out_h = 0;

  double scale_x() const { return (x1 - x0) / out_w; }  // image pixels per patch pixel
  double scale_y() const { return (y1 - y0) / out_h; }
  double center_x() const { return 0.5 * (x0 + x1); }
  double center_y() const { return 0.5 * (y0 + y1); }
  // Continuous patch coordinates <-> continuous image coordinates.
  double to_image_x(double px) const { return x0 + px * scale_x(); }
  double to_image_y(double py) const { return y0 + py * scale_y(); }
  double to_patch_x(double ix) const { return (ix - x0) / scale_x(); }
  double to_patch_y(double iy) const { return (iy - y0) / scale_y(); }
  Box box_to_image(const Box& b) const {
    return {to_image_x(b.x), to_image_y(b.y), b.w * scale_x(), b.h * scale_y()};
  }
  Box box_to_patch(const Box& b) const {
    return {to_patch_x(b.x), to_patch_y(b.y), b.w / scale_x(), b.h / scale_y()};
  }
};

// SampledPatch: the (1, C, out_h, out_w) float patch (values in the image's range) and the
// region it covers.
struct SampledPatch {
  at::Tensor patch;
  PatchRegion region;
};

// OutputSize: patch size in pixels.
struct OutputSize {
  int w = 0, h = 0;
};

// sample_patch: crop `region` (centre and size in image pixels; need not lie inside the
// image) and resize it to `output`. The crop is aligned to the pixel grid (its size rounded,
// at least 2 pixels), so the returned region can differ from the request by under a pixel
// (CropRule::kPytracking: by up to a pixel and a half, as pytracking's).
// Throws std::invalid_argument on an empty image or a non-positive or non-finite region.
SampledPatch sample_patch(const at::Tensor& image, const CenterBox& region, OutputSize output,
                          const PatchSamplerOptions& options = {});

// MultiScalePatches: one patch per scale, stacked as (S, C, out_h, out_w).
struct MultiScalePatches {
  at::Tensor patches;
  std::vector<PatchRegion> regions;
};

// sample_patches_multiscale: sample_patch at `region` scaled by each factor (same centre).
MultiScalePatches sample_patches_multiscale(const at::Tensor& image, const CenterBox& region,
                                            const std::vector<double>& scales, OutputSize output,
                                            const PatchSamplerOptions& options = {});

// image_to_tensor_view helpers live with the tools (OpenCV); the library takes tensors.
// as_batched_image: view (C, H, W) or (1, C, H, W) as (1, C, H, W); throws otherwise.
at::Tensor as_batched_image(const at::Tensor& image);

}  // namespace dimp::bbox
