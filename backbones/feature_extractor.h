// backbones/feature_extractor.h — the feature extractor concept every tracker backbone models.
//
//   struct MyFeatures {
//     // patches: (B, 3, S, S) float RGB in [0, 255] (the patch sampler's output).
//     ExtractedFeatures extract(const at::Tensor& patches) const;
//     int64_t stride() const;    // patch pixels per feature cell
//     int64_t channels() const;  // C of the classification features
//     // optional: fit target-specific parts (a colour model) on the first frame's patch
//     // (1, 3, S, S) and the target box (x, y, w, h) in it; the tracker calls it before
//     // extracting the first frame's features.
//     void adapt_to_target(const at::Tensor& patch, const at::Tensor& box);
//     // optional, with adapt_to_target: extract() split into its target-independent part (the
//     // network's maps, which a MultiTracker computes once for every target's patches) and
//     // the target's own part; extract(p) == target_features(shared_features(p), p).
//     ExtractedFeatures shared_features(const at::Tensor& patches) const;
//     ExtractedFeatures target_features(const ExtractedFeatures& shared, const at::Tensor& patches) const;
//   };
//
// HandcraftedFeatures (weight-free) and the ResNet-based DiMP extractors model it.
#pragma once

#include <ATen/ATen.h>

#include <type_traits>
#include <vector>

namespace dimp::backbones {

// ExtractedFeatures: what the tracker's classifier filters (B, C, h, w), and the feature maps
// a box estimator needs (IoU-Net: layer2 and layer3; empty for hand-crafted features).
struct ExtractedFeatures {
  at::Tensor classification;
  std::vector<at::Tensor> box;

  ExtractedFeatures select(int64_t index) const {  // one patch's features, batch kept
    ExtractedFeatures out{classification.narrow(0, index, 1), {}};
    for (const auto& b : box) out.box.push_back(b.narrow(0, index, 1));
    return out;
  }
};

template <class F, class = void>
struct is_feature_extractor : std::false_type {};
template <class F>
struct is_feature_extractor<F, std::void_t<decltype(std::declval<const F&>().stride()),
                                           decltype(std::declval<const F&>().channels())>>
    : std::is_same<decltype(std::declval<const F&>().extract(std::declval<const at::Tensor&>())), ExtractedFeatures> {};
template <class F>
inline constexpr bool is_feature_extractor_v = is_feature_extractor<F>::value;

template <class F, class = void>
struct adapts_to_target : std::false_type {};
template <class F>
struct adapts_to_target<F, std::void_t<decltype(std::declval<F&>().adapt_to_target(
                               std::declval<const at::Tensor&>(), std::declval<const at::Tensor&>()))>>
    : std::true_type {};
template <class F>
inline constexpr bool adapts_to_target_v = adapts_to_target<F>::value;

template <class F, class = void>
struct splits_features : std::false_type {};
template <class F>
struct splits_features<F, std::void_t<decltype(std::declval<const F&>().target_features(
                              std::declval<const F&>().shared_features(std::declval<const at::Tensor&>()),
                              std::declval<const at::Tensor&>()))>> : std::true_type {};
template <class F>
inline constexpr bool splits_features_v = splits_features<F>::value;

}  // namespace dimp::backbones
