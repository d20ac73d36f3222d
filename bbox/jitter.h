// bbox/jitter.h — random box perturbations for augmentation, training crops and proposals.
//
//   std::mt19937_64 rng(7);
//   Box crop_around = dimp::bbox::jitter_box(gt, {0.5, 0.25}, rng);   // training crop centre/scale
//   Box proposal = dimp::bbox::perturb_box(gt, 0.3, 0.2, rng);        // IoU >= 0.3 with gt
#pragma once

#include <random>

#include "bbox/box.h"

namespace dimp::bbox {

// JitterOptions: how far jitter_box may move and rescale a box.
struct JitterOptions {
  double center_factor = 0.0;  // centre moves uniformly by up to ±0.5·factor·sqrt(w'h') per axis
  double scale_factor = 0.0;   // each side is multiplied by exp(N(0, factor²))
};

// jitter_box: scale each side by a log-normal factor, then shift the centre uniformly within
// a square proportional to the jittered size (the §3.6 training-crop jitter).
Box jitter_box(const Box& box, const JitterOptions& options, std::mt19937_64& rng);

// perturb_box: a random box whose centre and size are Gaussian perturbations of `box`
// (std. dev. sigma_factor·sqrt(wh)), retried with shrinking spread until its IoU with `box`
// exceeds min_iou. Returns the box and its IoU; after max_tries the last draw is returned.
struct PerturbedBox {
  Box box;
  double iou = 0;
};
PerturbedBox perturb_box(const Box& box, double min_iou, double sigma_factor, std::mt19937_64& rng,
                         int max_tries = 100);

}  // namespace dimp::bbox
