// dimp/initializer.h — model initializers: the first estimate f(0) of the target model (§3.3).
//
// Initializer concept (what Tracker<> and the training actor call):
//   at::Tensor initial_filter(const at::Tensor& feat,    // (images, sequences, C, H, W)
//                             const at::Tensor& boxes)   // (images, sequences, 4) x,y,w,h, patch px
//       const;                                           // -> (sequences, C, kh, kw)
//
// LinearFilterInitializer: a 3x3 conv layer, precise RoI pooling of the target box to the
// filter size, and the mean over the sequence's images: the target appearance only; the
// optimizer then brings in the background. ZeroInitializer: f(0) = 0, for ablations.
//
//   dimp::LinearFilterInitializer init({/*feature_dim=*/512, /*filter_size=*/4});
//   at::Tensor f0 = init.initial_filter(train_feat, train_boxes);
#pragma once

#include <ATen/ATen.h>

#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace dimp {

// LinearFilterInitializerOptions: filter shape and the pooling's stride.
struct LinearFilterInitializerOptions {
  int64_t feature_dim = 512;  // C
  int64_t filter_size = 4;    // k
  double feature_stride = 16; // patch pixels per feature cell (pooling scale 1/stride)
  int64_t conv_kernel = 3;    // the conv layer's kernel size (padding keeps the map size)
  bool filter_norm = false;   // divide the filter by C·k·k
};

class LinearFilterInitializer {
 public:
  explicit LinearFilterInitializer(LinearFilterInitializerOptions options = {});

  // target_template: no learned layer — a 1x1 identity conv, so f(0) is the pooled target
  // appearance (normalised by C·k·k): the initializer of weight-free trackers.
  static LinearFilterInitializer target_template(int64_t feature_dim, int64_t filter_size, double feature_stride);

  at::Tensor initial_filter(const at::Tensor& feat, const at::Tensor& boxes) const;

  at::Tensor conv_weight;  // (C, C, kc, kc), He-normal initialised
  at::Tensor conv_bias;    // (C), zero

  // parameters: named as the reference's filter_initializer module.
  std::vector<std::pair<std::string, at::Tensor>> parameters() const {
    return {{"filter_conv.weight", conv_weight}, {"filter_conv.bias", conv_bias}};
  }
  const LinearFilterInitializerOptions& options() const { return options_; }

 private:
  LinearFilterInitializerOptions options_;
};

// ZeroInitializer: f(0) = 0 (Table 1's GD/SD rows start from the initializer; this is the
// do-nothing policy for ablations and weight-free trackers).
class ZeroInitializer {
 public:
  ZeroInitializer(int64_t feature_dim, int64_t filter_size) : feature_dim_(feature_dim), filter_size_(filter_size) {}
  at::Tensor initial_filter(const at::Tensor& feat, const at::Tensor& boxes) const;

 private:
  int64_t feature_dim_, filter_size_;
};

template <class I, class = void>
struct is_initializer : std::false_type {};
template <class I>
struct is_initializer<I, std::void_t<decltype(std::declval<const I&>().initial_filter(
                             std::declval<const at::Tensor&>(), std::declval<const at::Tensor&>()))>>
    : std::is_same<decltype(std::declval<const I&>().initial_filter(std::declval<const at::Tensor&>(),
                                                                     std::declval<const at::Tensor&>())),
                   at::Tensor> {};
template <class I>
inline constexpr bool is_initializer_v = is_initializer<I>::value;

}  // namespace dimp
