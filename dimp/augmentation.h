// dimp/augmentation.h — the first frame's training samples (§3.7): the target patch and
// transformed copies (shifts, flip, blurs, rotations), 13 by default; dropout on the
// features adds 2 more (augment_dropout on the extracted features).
//
//   auto aug = dimp::augment_first_frame(image, target, sample_side, params, rng);
//   // aug.patches (N, 3, S, S), aug.boxes (N, 4) target boxes in patch pixels
#pragma once

#include <ATen/ATen.h>

#include <random>

#include "bbox/box.h"
#include "bbox/patch_sampler.h"
#include "dimp/tracker_params.h"

namespace dimp {

// AugmentedSamples: patches (N, 3, S, S) float, the target box in each (N, 4) x,y,w,h in
// patch pixels, and the region of the un-augmented patch (the first sample).
struct AugmentedSamples {
  at::Tensor patches;
  at::Tensor boxes;
  bbox::PatchRegion region;
};

// augment_first_frame: samples around the target centre; `sample_side` is the square region
// (image pixels) that maps to the S x S patch, S = params.image_sample_size.
// geometry exact: the patch is centred on the target, boxes are where the target is in each
// sample (mirrored in the flipped one), rotations and blurs as below. geometry pytracking:
// pytracking's samples to the pixel: the expanded patch cut by its crop rule around the
// rounded centre (halves to even), boxes of the nominal patch (centred on that point, side
// `sample_side`) shifted with each sample and never mirrored, OpenCV's rotation, zero-padded
// blurs, and for border_mode inside pytracking's shrunk scale and global shift.
AugmentedSamples augment_first_frame(const at::Tensor& image, const bbox::Box& target, double sample_side,
                                     const TrackerParams& params, std::mt19937_64& rng);

// augment_dropout: `num` copies of feature map 0 of `features` (N, C, h, w) with whole
// channels dropped with probability p (the survivors scaled by 1/(1-p)); (num, C, h, w).
at::Tensor augment_dropout(const at::Tensor& features, int num, double p, std::mt19937_64& rng);

// BlurBorder: what a blur reads beyond the patch.
enum class BlurBorder { kReplicate, kZero };

// Patch transforms on (1, C, H, W) float tensors, exposed for tests.
// gaussian_blur: separable, kernel radius ceil(2 sigma), rows first.
at::Tensor gaussian_blur(const at::Tensor& patch, double sigma_y, double sigma_x,
                         BlurBorder border = BlurBorder::kReplicate);
// rotate_patch: about the centre, clockwise on screen for positive degrees, bilinear
// (grid_sample), border replicated.
at::Tensor rotate_patch(const at::Tensor& patch, double degrees);
// rotate_patch_opencv: the rotation pytracking's augmentation applies, to the bit where OpenCV's
// float arithmetic allows: cv::warpAffine of the matrix [R, c - R c] (R = [[cos, sin], [-sin,
// cos]], c the centre in pixel-centre coordinates; counter-clockwise on screen for positive
// degrees), sampling positions rounded to 1/32 pixel in fixed point, bilinear weights of that
// grid, border replicated. CPU float32 (1, C, H, W).
at::Tensor rotate_patch_opencv(const at::Tensor& patch, double degrees);
// crop_shifted: the out_size x out_size window at the centre of `patch` moved by (dx, dy)
// pixels (content moves by +dx, +dy), replicating borders beyond the patch.
at::Tensor crop_shifted(const at::Tensor& patch, int64_t out_size, int64_t dx, int64_t dy);

}  // namespace dimp
