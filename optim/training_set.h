// optim/training_set.h — what the filter optimizers take and return.
//
//   TrainingSet set{features, loss.maps(centers, Ho, Wo), weights};
//   OptimizerResult r = optimizer.run(initial_filter, set);
#pragma once

#include <ATen/ATen.h>

#include <vector>

#include "losses/residual.h"

namespace dimp::optim {

// TrainingSet: S_train of Alg. 1 for a batch of sequences.
struct TrainingSet {
  at::Tensor features;        // (images, sequences, C, H, W); ideally in to_filter_layout()
  losses::ResidualMaps maps;  // from the loss policy, (images, sequences, Ho, Wo)
  at::Tensor sample_weights;  // (images) or (images, sequences), each sequence's summing to
                              // 1 (the memory's weights); undefined: 1/images each
};

// OptimizerResult: the final filter, every iterate f(0)..f(n) (eq. 9 supervises them all),
// and the training loss L(f(i)) of eq. 1 per iterate (averaged over sequences) when asked.
// "Stopped early" is not an exception: iterates.size() - 1 says how many steps were taken.
struct OptimizerResult {
  at::Tensor filter;
  std::vector<at::Tensor> iterates;
  std::vector<at::Tensor> losses;
};

}  // namespace dimp::optim
