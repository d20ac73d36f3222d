// backbones/tfjs/testing/reference_test_support.h — shared parts of the tests that compare the executor
// with TF.js: the synthetic image, a real frame scaled to a model's input, and a detection-list
// comparison that tolerates reordering among (numerically) tied scores.
#pragma once

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <string>

namespace dimp::backbones::tfjs {

// synthetic_image: a deterministic (1, h, w, 3) float RGB image in 0..255, NHWC: smooth colour
// gradients, a few rectangles and discs, fine texture (so every layer sees structure).
at::Tensor synthetic_image(int64_t h, int64_t w);

// scaled_frame: an image file as (1, h, w, 3) float RGB 0..255 (bilinear scaling).
at::Tensor scaled_frame(const std::string& path, int64_t h, int64_t w);

// expect_same_detections: centernet's (1, K, 6) detections (x1, y1, x2, y2, score, class), ours
// against the reference: scores within `tol` (relative to the largest); every row of ours found in
// the reference (same class, box within tol * 512 pixels, score within tol) at its own index or
// among rows whose scores tie with it within tol, or past the reference's last score (top-k's
// boundary); returns the largest relative difference of matched rows.
double expect_same_detections(const at::Tensor& ours, const at::Tensor& reference, double tol);

}  // namespace dimp::backbones::tfjs
