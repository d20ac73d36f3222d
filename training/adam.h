// training/adam.h — Adam (Kingma & Ba) over named parameter groups, with its state held under
// the parameters' names so that checkpoints store and restore it by name (independent of any
// LibTorch version's internal optimizer-state layout).
//
//   Adam adam({{"classifier.filter_optimizer", params, 5e-4}, ...});
//   loss.backward(); adam.step(); adam.zero_grad();
#pragma once

#include <ATen/ATen.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace dimp::training {

// ParamGroup: parameters (name, tensor) sharing a learning rate.
struct ParamGroup {
  std::string name;
  std::vector<std::pair<std::string, at::Tensor>> params;
  double lr = 1e-3;
  double base_lr = 1e-3;  // the schedule scales this
};

class Adam {
 public:
  explicit Adam(std::vector<ParamGroup> groups, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8);
  void step();
  void zero_grad();
  // set_lr_scale: every group's lr = base_lr · scale (the step schedule).
  void set_lr_scale(double scale);
  // state / load_state: "<param>.exp_avg", "<param>.exp_avg_sq" and "step" tensors.
  std::vector<std::pair<std::string, at::Tensor>> state() const;
  void load_state(const std::map<std::string, at::Tensor>& state);
  const std::vector<ParamGroup>& groups() const { return groups_; }
  int64_t steps() const { return steps_; }

 private:
  std::vector<ParamGroup> groups_;
  double beta1_, beta2_, eps_;
  int64_t steps_ = 0;
  std::map<std::string, std::pair<at::Tensor, at::Tensor>> moments_;
};

}  // namespace dimp::training
