// losses/probabilistic_regression.h — PrDiMP's training losses ("Probabilistic Regression for
// Visual Tracking", CVPR 2020, §3-4): a network's scores s(y) read as an unnormalised log
// density p(y|x) = exp(s(y)) / Z over outputs y (boxes, or score-grid positions), fitted to a
// ground-truth density p_gt by
//
//   KL:  KL(p_gt || p) + const = log Z − E_{p_gt}[s]
//   ML:  −log p(y_gt) = log Z − s(y_gt)
//
// with Z = ∫ exp(s) estimated by Monte Carlo over samples y_k drawn from a proposal density q
// (Z ≈ mean_k exp(s_k) / q_k, E_{p_gt}[s] ≈ mean_k s_k p_gt,k / q_k; the box regressor), or by a
// grid sum (the classifier's score map: Z ≈ Δ Σ exp(s)). Each returns the mean over all other
// dimensions, as pytracking's KLRegression, MLRegression and KLRegressionGrid do.
#pragma once

#include <ATen/ATen.h>

#include <vector>

namespace dimp::losses {

// kl_regression_mc: scores, proposal densities q and ground-truth densities p_gt of the same
// shape, Monte-Carlo samples along `dim`; eps is added to q.
at::Tensor kl_regression_mc(const at::Tensor& scores, const at::Tensor& sample_density, const at::Tensor& gt_density,
                            int64_t dim = -1, double eps = 0);

// ml_regression_mc: sample 0 along dim 1 is the ground truth (its density unused); the others
// are proposals with densities q.
at::Tensor ml_regression_mc(const at::Tensor& scores, const at::Tensor& sample_density, double eps = 0);

// kl_regression_grid: scores and p_gt on a grid spanning `dims`, each cell of area grid_scale.
at::Tensor kl_regression_grid(const at::Tensor& scores, const at::Tensor& gt_density, std::vector<int64_t> dims,
                              double grid_scale = 1.0);

}  // namespace dimp::losses
