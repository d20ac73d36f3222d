// data/metrics.h — the standard tracking metrics, as the OTB toolkit, pytracking, the
// TrackingNet and GOT-10k toolkits define them.
//
//   auto s = dimp::data::evaluate(predicted, ground_truth);
//   s.auc;                 // success AUC: mean success rate over overlap thresholds 0, 0.05, ..., 1
//   s.precision_20;        // fraction of frames with centre error <= 20 px
//
// Frames whose ground truth is absent or invalid (w or h <= 0, NaN) are left out of every
// metric, as the toolkits do; a missing or invalid prediction counts as overlap 0 and an
// infinite centre error. The first frame is included (as pytracking does).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bbox/box.h"

namespace dimp::data {

// SequenceMetrics: per-sequence scores and the curves behind them.
struct SequenceMetrics {
  int frames = 0;                       // frames with valid ground truth
  std::vector<double> overlaps;         // IoU per valid frame
  std::vector<double> center_errors;    // pixels per valid frame (inf for a missing prediction)
  std::vector<double> norm_center_errors;  // centre error / ground-truth size (TrackingNet)
  std::vector<double> success_curve;    // success rate at success_thresholds()
  std::vector<double> precision_curve;  // at precision_thresholds()
  std::vector<double> norm_precision_curve;  // at norm_precision_thresholds()
  double auc = 0;                       // mean of success_curve
  double precision_20 = 0;              // precision_curve at 20 px
  double norm_precision = 0;            // norm_precision_curve at 0.2 ... TrackingNet's AUC form
  double average_overlap = 0;           // GOT-10k AO
  double success_50 = 0, success_75 = 0;  // GOT-10k SR@0.5, SR@0.75
};

// success_thresholds: 0, 0.05, ..., 1 (21 values, the OTB toolkit and pytracking).
const std::vector<double>& success_thresholds();
// precision_thresholds: 0, 1, ..., 50 pixels.
const std::vector<double>& precision_thresholds();
// norm_precision_thresholds: 0, 0.01, ..., 0.5 (TrackingNet).
const std::vector<double>& norm_precision_thresholds();

// evaluate: one sequence. Throws std::invalid_argument when the lengths differ.
SequenceMetrics evaluate(const std::vector<bbox::Box>& predicted, const std::vector<bbox::Box>& ground_truth);

// evaluate: only the frames whose `selected` flag is set (per-attribute scores). Throws
// std::invalid_argument when the three lengths differ.
SequenceMetrics evaluate(const std::vector<bbox::Box>& predicted, const std::vector<bbox::Box>& ground_truth,
                         const std::vector<uint8_t>& selected);

// DatasetMetrics: success, precision and normalised-precision curves (and AUC) are the mean
// of the per-sequence curves, each sequence weighing the same (the OTB toolkit, pytracking);
// AO and SR pool all frames of all sequences (the GOT-10k toolkit).
struct DatasetMetrics {
  int sequences = 0, frames = 0;
  std::vector<double> success_curve, precision_curve, norm_precision_curve;
  double auc = 0, precision_20 = 0, norm_precision = 0, average_overlap = 0, success_50 = 0, success_75 = 0;
};
DatasetMetrics aggregate(const std::vector<SequenceMetrics>& sequences);

}  // namespace dimp::data
