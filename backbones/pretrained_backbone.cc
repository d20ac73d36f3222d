#include "backbones/pretrained_backbone.h"

#include <ATen/core/grad_mode.h>

#include <map>
#include <mutex>

#include "backbones/tfjs/graph_model.h"
#include "backbones/tfjs/model_files.h"

namespace dimp::backbones {
namespace {

// shared_model: each model file is loaded once per process and precision (trackers of an
// evaluation share it; GraphModel::run is thread-safe).
std::shared_ptr<const tfjs::GraphModel> shared_model(const std::string& relative, bool bfloat16) {
  static std::mutex mu;
  static std::map<std::pair<std::string, bool>, std::weak_ptr<const tfjs::GraphModel>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = cache[{relative, bfloat16}];
  if (auto model = slot.lock()) return model;
  tfjs::GraphModelOptions o;
  o.precision = bfloat16 ? tfjs::Precision::kBFloat16 : tfjs::Precision::kFloat32;
  auto model = std::make_shared<const tfjs::GraphModel>(tfjs::GraphModel::load(tfjs::find_model_file(relative), o));
  slot = model;
  return model;
}

}  // namespace

PretrainedBackbone::PretrainedBackbone(PretrainedBackboneOptions o) : options_(std::move(o)) {
  model_ = shared_model(options_.model, options_.bfloat16);
  // The maps' channel counts, from one small run (a 32-pixel patch: two stride-16 cells).
  const auto probe = model_->run({{options_.input, at::zeros({1, 32, 32, 3})}}, {options_.node16, options_.node8});
  channels16_ = probe[0].size(3);
  channels8_ = probe[1].size(3);
}

BackboneMaps PretrainedBackbone::forward(const at::Tensor& patches, bool stride8) const {
  TORCH_CHECK(patches.dim() == 4 && patches.size(1) == 3 && patches.size(2) % 16 == 0 && patches.size(3) % 16 == 0,
              "PretrainedBackbone: patches must be (B, 3, S, S) with S a multiple of 16, got ", patches.sizes());
  at::NoGradGuard ng;
  const auto nhwc = patches.detach().to(at::kFloat).permute({0, 2, 3, 1}).contiguous();
  std::vector<std::string> nodes{options_.node16};
  if (stride8) nodes.push_back(options_.node8);
  // The graph takes one image at a time (its input is (1, S, S, 3)).
  std::vector<at::Tensor> x16, x8;
  for (int64_t b = 0; b < nhwc.size(0); ++b) {
    auto out = model_->run({{options_.input, nhwc.narrow(0, b, 1)}}, nodes);
    x16.push_back(out[0]);
    if (stride8) x8.push_back(out[1]);
  }
  BackboneMaps maps;
  maps.stride16 = at::cat(x16).permute({0, 3, 1, 2}).contiguous();
  if (stride8) maps.stride8 = at::cat(x8).permute({0, 3, 1, 2}).contiguous();
  return maps;
}

}  // namespace dimp::backbones
