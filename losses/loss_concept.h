// losses/loss_concept.h — what a loss policy must provide to the filter optimizers.
//
// The discriminative loss of eq. 1 is L(f) = sum_j w_j ||r(x_j * f, c_j)||^2 + λ||f||^2.
// A Loss policy supplies everything except the sample weights w_j (an optimizer input):
//
//   struct MyLoss {
//     // The maps the residual needs for training samples with these centres
//     // ((images, sequences, 2) score-grid (x, y); see distance_map.h).
//     ResidualMaps maps(const at::Tensor& centers, int64_t out_h, int64_t out_w) const;
//     // r(s) and dr/ds (elementwise) for scores s (images, sequences, Ho, Wo).
//     at::Tensor residual(const at::Tensor& scores, const ResidualMaps& maps) const;
//     at::Tensor residual_derivative(const at::Tensor& scores, const ResidualMaps& maps) const;
//     // λ as a 0-dim tensor (learnable losses return a tensor that requires grad).
//     at::Tensor regularization() const;
//   };
//
// LearnedLoss, HingeLoss and LeastSquaresLoss model it; their residual is eq. 2
// (residual.h) with different maps.
#pragma once

#include <ATen/ATen.h>

#include <type_traits>

#include "losses/residual.h"

namespace dimp::losses {

template <class L, class = void>
struct is_loss : std::false_type {};

template <class L>
struct is_loss<L, std::void_t<decltype(std::declval<const L&>().maps(std::declval<const at::Tensor&>(), int64_t{},
                                                                      int64_t{})),
                              decltype(std::declval<const L&>().residual(std::declval<const at::Tensor&>(),
                                                                         std::declval<const ResidualMaps&>())),
                              decltype(std::declval<const L&>().residual_derivative(
                                  std::declval<const at::Tensor&>(), std::declval<const ResidualMaps&>())),
                              decltype(std::declval<const L&>().regularization())>>
    : std::is_same<decltype(std::declval<const L&>().maps(std::declval<const at::Tensor&>(), int64_t{}, int64_t{})),
                   ResidualMaps> {};

template <class L>
inline constexpr bool is_loss_v = is_loss<L>::value;

}  // namespace dimp::losses
