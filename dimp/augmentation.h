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
AugmentedSamples augment_first_frame(const at::Tensor& image, const bbox::Box& target, double sample_side,
                                     const TrackerParams& params, std::mt19937_64& rng);

// augment_dropout: `num` copies of feature map 0 of `features` (N, C, h, w) with whole
// channels dropped with probability p (the survivors scaled by 1/(1-p)); (num, C, h, w).
at::Tensor augment_dropout(const at::Tensor& features, int num, double p, std::mt19937_64& rng);

// Patch transforms on (1, C, H, W) float tensors, exposed for tests.
at::Tensor gaussian_blur(const at::Tensor& patch, double sigma_y, double sigma_x);
at::Tensor rotate_patch(const at::Tensor& patch, double degrees);  // about the centre, border replicated
// crop_shifted: the out_size x out_size window at the centre of `patch` moved by (dx, dy)
// pixels (content moves by +dx, +dy), replicating borders beyond the patch.
at::Tensor crop_shifted(const at::Tensor& patch, int64_t out_size, int64_t dx, int64_t dy);

}  // namespace dimp
