#include "backbones/graph_features.h"

#include <map>
#include <mutex>
#include <stdexcept>

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

// unit_rms: each patch's block (channels centred over the patch, if asked) scaled to `weight`
// times unit root mean square over its channels and cells.
at::Tensor unit_rms(at::Tensor x, double weight, bool center) {
  if (center) x = x - x.mean({2, 3}, /*keepdim=*/true);
  const auto rms = x.pow(2).mean({1, 2, 3}, /*keepdim=*/true).add(1e-12).sqrt();
  return x * (weight / rms);
}

}  // namespace

GraphFeatures::GraphFeatures(GraphFeaturesOptions o) : options_(std::move(o)) {
  if (options_.weight8 < 0 || options_.handcrafted_weight < 0 || options_.color_histogram_weight < 0) {
    throw std::invalid_argument("GraphFeatures: block weights must be >= 0");
  }
  model_ = shared_model(options_.model, options_.bfloat16);
  // The blocks' channel counts, from one small run (a 32-pixel patch: two stride-16 cells).
  std::vector<std::string> nodes{options_.node16};
  if (options_.weight8 > 0) nodes.push_back(options_.node8);
  const auto probe = model_->run({{options_.input, at::zeros({1, 32, 32, 3})}}, nodes);
  channels16_ = probe[0].size(3);
  if (options_.weight8 > 0) channels8_ = probe[1].size(3);
  if (options_.hog_orientations > 0 || options_.color_histogram_bins > 0) {
    HandcraftedFeaturesOptions h;
    h.cell_size = 16;
    h.orientations = options_.hog_orientations;
    h.color = options_.hog_orientations > 0;
    h.color_histogram_bins = options_.color_histogram_bins;
    h.color_histogram_weight = options_.color_histogram_weight;
    handcrafted_.emplace(h);
  }
}

int64_t GraphFeatures::channels() const {
  return channels16_ + channels8_ + (handcrafted_ ? handcrafted_->channels() : 0);
}

void GraphFeatures::adapt_to_target(const at::Tensor& patch, const at::Tensor& box) {
  if (handcrafted_) handcrafted_->adapt_to_target(patch, box);
}

ExtractedFeatures GraphFeatures::extract(const at::Tensor& patches) const {
  TORCH_CHECK(patches.dim() == 4 && patches.size(1) == 3 && patches.size(2) % 16 == 0 && patches.size(3) % 16 == 0,
              "GraphFeatures: patches must be (B, 3, S, S) with S a multiple of 16, got ", patches.sizes());
  const auto nhwc = patches.to(at::kFloat).permute({0, 2, 3, 1}).contiguous();
  std::vector<std::string> nodes{options_.node16};
  if (channels8_ > 0) nodes.push_back(options_.node8);
  std::vector<at::Tensor> blocks;
  // The graph runs one image at a time (its input is (1, S, S, 3)).
  std::vector<at::Tensor> x16, x8;
  for (int64_t b = 0; b < nhwc.size(0); ++b) {
    auto out = model_->run({{options_.input, nhwc.narrow(0, b, 1)}}, nodes);
    x16.push_back(out[0]);
    if (channels8_ > 0) x8.push_back(out[1]);
  }
  blocks.push_back(unit_rms(at::cat(x16).permute({0, 3, 1, 2}), 1.0, options_.center));
  if (channels8_ > 0) {
    blocks.push_back(unit_rms(at::avg_pool2d(at::cat(x8).permute({0, 3, 1, 2}), 2), options_.weight8, options_.center));
  }
  if (handcrafted_) {  // already centred and at unit RMS
    blocks.push_back(handcrafted_->extract(patches).classification * options_.handcrafted_weight);
  }
  return {at::cat(blocks, 1).contiguous(), {}};
}

}  // namespace dimp::backbones
