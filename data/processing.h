// data/processing.h — from sampled frames to a training sample (§3.6): each frame is cropped
// around a jittered target box (centre and scale jitter; test frames more than train frames)
// to a square search region of search_area_factor² times the box area, resized to the network
// input; test frames get Gaussian labels (σ = 1/4 of the base target size on the score grid)
// and IoU-Net proposals: DiMP's with their ground-truth overlaps, or PrDiMP's drawn from a
// Gaussian mixture with the densities its KL box regression needs.
//
//   TrainingSample s = dimp::data::process(train_frames, train_boxes, test_frames, test_boxes,
//                                          options, rng);
#pragma once

#include <ATen/ATen.h>

#include <random>
#include <string>
#include <vector>

#include "bbox/box.h"
#include "bbox/jitter.h"
#include "optim/filter_geometry.h"

namespace dimp::data {

// ProcessingOptions: the reference's DiMP training settings.
struct ProcessingOptions {
  double search_area_factor = 5.0;
  int output_size = 288;                 // patch side (feature size x stride)
  double center_jitter_train = 3.0, center_jitter_test = 4.5;
  double scale_jitter_train = 0.25, scale_jitter_test = 0.5;
  double output_sigma_factor = 0.25;     // label σ relative to the base target size
  int feature_stride = 16;
  int filter_size = 4;
  int proposals_per_frame = 8;
  double proposal_min_iou = 0.1;
  std::vector<double> proposal_sigma_factors{0.01, 0.05, 0.1, 0.2, 0.3};
  // "iou": DiMP's proposals (IoU > proposal_min_iou, one of proposal_sigma_factors each);
  // "gmm": PrDiMP's, drawn from gmm_components around the test box (relative box space,
  // bbox::sample_box_gmm), with their proposal and ground-truth densities.
  std::string proposal_sampling = "iou";
  std::vector<bbox::RelativeSigma> gmm_components{{0.05, 0.05}, {0.5, 0.5}};
  bbox::RelativeSigma gmm_gt_sigma{0.05, 0.05};
  double grayscale_probability = 0.05;   // all frames of a sample turned grey
  double brightness_jitter = 0.2;        // each frame's brightness scaled by U(1 − j, 1 + j)

  optim::FilterGeometry geometry() const;
};

// TrainingSample: one sequence's train and test sets, as tensors.
struct TrainingSample {
  at::Tensor train_images;    // (Ntr, 3, S, S) float in [0, 255]
  at::Tensor train_boxes;     // (Ntr, 4) x,y,w,h in patch pixels
  at::Tensor test_images;     // (Nte, 3, S, S)
  at::Tensor test_boxes;      // (Nte, 4)
  at::Tensor test_labels;     // (Nte, Ho, Wo) Gaussian labels on the score grid
  at::Tensor test_proposals;  // (Nte, P, 4)
  at::Tensor proposal_iou;    // (Nte, P) IoU with the test box, mapped to [-1, 1] (2·IoU − 1)
  at::Tensor proposal_density, gt_density;  // (Nte, P) with "gmm" proposals; undefined with "iou"
};

TrainingSample process(const std::vector<at::Tensor>& train_frames, const std::vector<bbox::Box>& train_boxes,
                       const std::vector<at::Tensor>& test_frames, const std::vector<bbox::Box>& test_boxes,
                       const ProcessingOptions& options, std::mt19937_64& rng);

// label_sigma_cells: the Gaussian labels' σ on the score grid.
double label_sigma_cells(const ProcessingOptions& options);

}  // namespace dimp::data
