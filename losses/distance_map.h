// losses/distance_map.h — distances from the target centre over the score grid, the
// triangular radial basis of eq. 7, and Gaussian labels.
//
// Centres are (images, sequences, 2) tensors of (x, y) in continuous score-grid coordinates
// (optim::score_centers gives them from boxes); grid cell (i, j) sits at (j, i).
//
//   auto d = dimp::losses::distance_map(centers, geometry.output_h(), geometry.output_w());
#pragma once

#include <ATen/ATen.h>

namespace dimp::losses {

// distance_map: (N, S, out_h, out_w) Euclidean distances from each centre, in cells.
at::Tensor distance_map(const at::Tensor& centers, int64_t out_h, int64_t out_w);

// triangular_basis: eq. 7, rho_k(d) for k = 0..num_bins-1, as (..., num_bins). The last
// basis function is 1 for every distance beyond its knot.
at::Tensor triangular_basis(const at::Tensor& dist, int64_t num_bins, double displacement);

// radial_function: sum_k coeffs[k]·rho_k(d) (eq. 6) evaluated as the piecewise-linear
// interpolation it equals: two coefficients per location instead of num_bins. coeffs: (K).
at::Tensor radial_function(const at::Tensor& dist, const at::Tensor& coeffs, double displacement);

// gaussian_label: exp(−d² / (2σ²)), σ in score cells.
at::Tensor gaussian_label(const at::Tensor& dist, double sigma);

}  // namespace dimp::losses
