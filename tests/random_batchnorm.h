// tests/random_batchnorm.h — BatchNorm statistics and affine parameters far from identity, so
// that tests of folded (inference) networks compare something folding can get wrong.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>

namespace dimp::testing {

inline void randomize_batchnorm(torch::nn::Module& net) {
  at::NoGradGuard ng;
  for (const auto& m : net.modules()) {
    if (auto* bn = dynamic_cast<torch::nn::BatchNorm2dImpl*>(m.get())) {
      bn->running_mean.uniform_(-0.2, 0.2);
      bn->running_var.uniform_(0.5, 2.0);
      bn->weight.uniform_(0.5, 1.5);
      bn->bias.uniform_(-0.2, 0.2);
    }
  }
}

}  // namespace dimp::testing
