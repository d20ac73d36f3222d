#include "dimp/weights/state_dict.h"

#include <sstream>

namespace dimp::weights {
namespace {

bool optional_entry(const std::string& name) {
  const std::string suffix = "num_batches_tracked";
  return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string shape_str(const at::Tensor& t) {
  std::ostringstream s;
  s << t.sizes() << " " << t.scalar_type();
  return s.str();
}

}  // namespace

std::vector<std::pair<std::string, at::Tensor>> named_state(const torch::nn::Module& module) {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const auto& p : module.named_parameters(/*recurse=*/true)) out.push_back({p.key(), p.value()});
  for (const auto& b : module.named_buffers(/*recurse=*/true)) out.push_back({b.key(), b.value()});
  return out;
}

std::string LoadReport::describe() const {
  std::ostringstream s;
  auto list = [&](const char* what, const std::vector<std::string>& v) {
    if (v.empty()) return;
    s << v.size() << " " << what << ":";
    for (const auto& n : v) s << "\n  " << n;
    s << "\n";
  };
  list("missing tensor(s)", missing);
  list("unexpected tensor(s)", unexpected);
  list("mis-shaped tensor(s)", mismatched);
  list("tensor(s) with NaN or Inf values", non_finite);
  return s.str();
}

std::vector<std::string> non_finite_tensors(const std::map<std::string, at::Tensor>& tensors) {
  std::vector<std::string> out;
  for (const auto& [name, t] : tensors) {
    if (!t.is_floating_point() || t.numel() == 0) continue;
    const int64_t bad = t.isfinite().logical_not().sum().item<int64_t>();
    if (bad > 0) out.push_back(name + ": " + std::to_string(bad) + " of " + std::to_string(t.numel()) + " values");
  }
  return out;
}

LoadReport check_state(const torch::nn::Module& module, const std::map<std::string, at::Tensor>& tensors) {
  LoadReport r;
  std::map<std::string, at::Tensor> mine;
  for (const auto& [name, t] : named_state(module)) mine[name] = t;
  for (const auto& [name, t] : mine) {
    auto it = tensors.find(name);
    if (it == tensors.end()) {
      if (!optional_entry(name)) r.missing.push_back(name);
      continue;
    }
    const bool float_ok = it->second.is_floating_point() == t.is_floating_point();
    if (it->second.sizes() != t.sizes() || !float_ok) {
      r.mismatched.push_back(name + ": file " + shape_str(it->second) + " vs model " + shape_str(t));
    }
  }
  for (const auto& [name, t] : tensors) {
    if (!mine.count(name) && !optional_entry(name)) r.unexpected.push_back(name);
  }
  r.non_finite = non_finite_tensors(tensors);
  return r;
}

void load_state(torch::nn::Module& module, const std::map<std::string, at::Tensor>& tensors, const std::string& source) {
  const LoadReport r = check_state(module, tensors);
  if (!r.ok()) throw WeightsError(source + " does not fit the model:\n" + r.describe());
  at::NoGradGuard ng;
  for (auto& [name, t] : named_state(module)) {
    auto it = tensors.find(name);
    if (it != tensors.end()) t.copy_(it->second.to(t.scalar_type()));
  }
}

void load_module(torch::nn::Module& module, const std::string& path) {
  load_state(module, read_safetensors(path), "weights file " + path);
}

void save_module(const torch::nn::Module& module, const std::string& path,
                 const std::map<std::string, std::string>& metadata) {
  write_safetensors(path, named_state(module), metadata);
}

}  // namespace dimp::weights
