// training/actor.h — the DiMP actor (§3.6): runs the network on a batch of (M_train, M_test)
// sets and computes the training loss
//
//   L_tot = β·L_cls + L_bb,  L_cls = eq. 9 over every optimizer iterate f(0) .. f(N_iter),
//
// with the hinge error of eq. 8 (threshold T) against Gaussian labels, and L_bb the mean squared
// error of the IoU-Net's predictions on the test proposals. As the reference weighs it:
// 100·L(f(N)) + 100·L(f(0)) + 400·mean_{0<i<N} L(f(i)) + 1·L_bb.
//
// A network with the KL objective (PrDiMP, DiMPNetConfig::objective "kl") is trained as
// pytracking's KLDiMPActor does: the unrolled optimizer is SteepestDescentNewton, L_cls is the
// KL regression on the score grid against the test labels normalised to a density, and L_bb
// the Monte-Carlo KL regression of the box head's scores over proposals drawn with their
// densities (data::ProcessingOptions::proposal_sampling "gmm"); weights 0.25 / 0.25 / 1 /
// 0.0025 (ActorOptions::prdimp()).
//
//   DiMPActor actor(net, {});
//   ActorLosses l = actor(batch);  l.total.backward();
#pragma once

#include <ATen/ATen.h>

#include "data/batch_loader.h"
#include "dimp/dimp_net.h"
#include "training/options.h"

namespace dimp::training {


// ActorLosses: the total (with its autograd graph) and its parts (unweighted, for logs).
struct ActorLosses {
  at::Tensor total;
  double clf_final = 0, clf_init = 0, clf_iter = 0, iou = 0;
};

// hinge_mse: eq. 8 averaged: background (label < T) penalises only positive scores.
at::Tensor hinge_mse(const at::Tensor& scores, const at::Tensor& labels, double threshold);

// label_density: Gaussian labels (…, Ho, Wo) divided by their sum over the grid (uniform
// where the sum is below 0.01: a target far outside the grid), PrDiMP's label density.
at::Tensor label_density(const at::Tensor& labels);

class DiMPActor {
 public:
  DiMPActor(DiMPNet net, ActorOptions options) : net_(std::move(net)), options_(options) {}
  ActorLosses operator()(const data::Batch& batch);
  const ActorOptions& options() const { return options_; }

 private:
  DiMPNet net_;
  ActorOptions options_;
};

}  // namespace dimp::training
