#include "training/adam.h"

#include <cmath>
#include <stdexcept>

namespace dimp::training {

Adam::Adam(std::vector<ParamGroup> groups, double beta1, double beta2, double eps)
    : groups_(std::move(groups)), beta1_(beta1), beta2_(beta2), eps_(eps) {
  for (auto& g : groups_) {
    g.base_lr = g.lr;
    for (auto& [name, p] : g.params) {
      if (moments_.count(name)) throw std::invalid_argument("Adam: parameter '" + name + "' in two groups");
      moments_[name] = {at::zeros_like(p), at::zeros_like(p)};
    }
  }
}

void Adam::step() {
  ++steps_;
  const double c1 = 1 - std::pow(beta1_, static_cast<double>(steps_));
  const double c2 = 1 - std::pow(beta2_, static_cast<double>(steps_));
  at::NoGradGuard ng;
  for (auto& g : groups_) {
    for (auto& [name, p] : g.params) {
      if (!p.grad().defined()) continue;
      auto& [m, v] = moments_.at(name);
      const auto& grad = p.grad();
      m.mul_(beta1_).add_(grad, 1 - beta1_);
      v.mul_(beta2_).addcmul_(grad, grad, 1 - beta2_);
      p.addcdiv_(m, (v / c2).sqrt_().add_(eps_), -g.lr / c1);
    }
  }
}

void Adam::zero_grad() {
  for (auto& g : groups_) {
    for (auto& [name, p] : g.params) {
      if (p.grad().defined()) p.mutable_grad() = at::Tensor();
    }
  }
}

void Adam::set_lr_scale(double scale) {
  for (auto& g : groups_) g.lr = g.base_lr * scale;
}

std::vector<std::pair<std::string, at::Tensor>> Adam::state() const {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const auto& [name, mv] : moments_) {
    out.push_back({name + ".exp_avg", mv.first});
    out.push_back({name + ".exp_avg_sq", mv.second});
  }
  out.push_back({"step", at::scalar_tensor(steps_, at::kLong)});
  return out;
}

void Adam::load_state(const std::map<std::string, at::Tensor>& state) {
  at::NoGradGuard ng;
  for (auto& [name, mv] : moments_) {
    auto a = state.find(name + ".exp_avg"), b = state.find(name + ".exp_avg_sq");
    if (a == state.end() || b == state.end()) throw std::invalid_argument("Adam state lacks '" + name + "'");
    if (a->second.sizes() != mv.first.sizes()) throw std::invalid_argument("Adam state of '" + name + "' has the wrong shape");
    mv.first.copy_(a->second);
    mv.second.copy_(b->second);
  }
  auto s = state.find("step");
  if (s == state.end()) throw std::invalid_argument("Adam state lacks 'step'");
  steps_ = s->second.item<int64_t>();
}

}  // namespace dimp::training
