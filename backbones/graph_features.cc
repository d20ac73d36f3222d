#include "backbones/graph_features.h"

#include <stdexcept>

namespace dimp::backbones {
namespace {

// unit_rms: each patch's block (channels centred over the patch, if asked) scaled to `weight`
// times unit root mean square over its channels and cells.
at::Tensor unit_rms(at::Tensor x, double weight, bool center) {
  if (center) x = x - x.mean({2, 3}, /*keepdim=*/true);
  const auto rms = x.pow(2).mean({1, 2, 3}, /*keepdim=*/true).add(1e-12).sqrt();
  return x * (weight / rms);
}

}  // namespace

GraphFeatures::GraphFeatures(GraphFeaturesOptions o) : options_(std::move(o)), backbone_(options_.backbone) {
  if (options_.weight8 < 0 || options_.handcrafted_weight < 0 || options_.color_histogram_weight < 0) {
    throw std::invalid_argument("GraphFeatures: block weights must be >= 0");
  }
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
  return backbone_.channels16() + (options_.weight8 > 0 ? backbone_.channels8() : 0) +
         (handcrafted_ ? handcrafted_->channels() : 0);
}

void GraphFeatures::adapt_to_target(const at::Tensor& patch, const at::Tensor& box) {
  if (handcrafted_) handcrafted_->adapt_to_target(patch, box);
}

ExtractedFeatures GraphFeatures::extract(const at::Tensor& patches) const {
  return target_features(shared_features(patches), patches);
}

ExtractedFeatures GraphFeatures::shared_features(const at::Tensor& patches) const {
  const bool stride8 = options_.weight8 > 0;
  const BackboneMaps maps = backbone_.forward(patches, stride8);
  at::Tensor deep = unit_rms(maps.stride16, 1.0, options_.center);
  if (stride8) deep = at::cat({deep, unit_rms(at::avg_pool2d(maps.stride8, 2), options_.weight8, options_.center)}, 1);
  return {deep, {}};
}

ExtractedFeatures GraphFeatures::target_features(const ExtractedFeatures& shared, const at::Tensor& patches) const {
  if (!handcrafted_) return {shared.classification.contiguous(), {}};
  // already centred and at unit RMS
  at::Tensor hand = handcrafted_->extract(patches).classification * options_.handcrafted_weight;
  return {at::cat({shared.classification, hand}, 1).contiguous(), {}};
}

}  // namespace dimp::backbones
