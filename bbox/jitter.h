// bbox/jitter.h — random box perturbations for augmentation, training crops and proposals.
//
//   std::mt19937_64 rng(7);
//   Box crop_around = dimp::bbox::jitter_box(gt, {0.5, 0.25}, rng);   // training crop centre/scale
//   Box proposal = dimp::bbox::perturb_box(gt, 0.3, 0.2, rng);        // IoU >= 0.3 with gt
//   auto p = dimp::bbox::sample_box_gmm(gt, {{0.05, 0.05}, {0.5, 0.5}}, {0.05, 0.05}, rng);
#pragma once

#include <random>
#include <vector>

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

// PrDiMP's proposals: boxes drawn from a Gaussian mixture in the relative box space of a mean
// box (w0, h0): y = (cx/w0, cy/h0, log w, log h), each component centred on the mean box's y
// with independent std. devs (center, center, size, size). A draw carries the mixture's
// density q(y) (equal-weight components) and the ground-truth density p_gt(y) (one such
// Gaussian), both in that space: what the KL regression of the box head needs.
struct RelativeSigma {
  double center = 0, size = 0;
};
struct MixtureProposal {
  Box box;
  double proposal_density = 0, gt_density = 0;
};
MixtureProposal sample_box_gmm(const Box& mean, const std::vector<RelativeSigma>& components,
                               RelativeSigma gt_sigma, std::mt19937_64& rng);
// relative_offset: y(box) − y(mean) in mean's relative space.
std::vector<double> relative_offset(const Box& mean, const Box& box);
// box_gmm_density: the density at offset y of the zero-mean mixture (equal weights).
double box_gmm_density(const std::vector<double>& offset, const std::vector<RelativeSigma>& components);

}  // namespace dimp::bbox
