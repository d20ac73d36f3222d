#include "losses/residual.h"

namespace dimp::losses {

ResidualMaps ResidualMaps::index_images(const at::Tensor& index) const {
  ResidualMaps out;
  out.label = label.index_select(0, index);
  if (mask.defined()) out.mask = mask.index_select(0, index);
  if (weight.defined()) out.weight = weight.index_select(0, index);
  return out;
}

at::Tensor masked_residual(const at::Tensor& scores, const ResidualMaps& maps) {
  TORCH_CHECK(maps.label.defined(), "masked_residual: the label map is undefined");
  // m·s + (1 − m)·max(0, s) = s − (1 − m)·min(0, s).
  at::Tensor act = maps.mask.defined() ? scores - (1 - maps.mask) * scores.clamp_max(0) : scores;
  at::Tensor r = act - maps.label;
  return maps.weight.defined() ? maps.weight * r : r;
}

at::Tensor masked_residual_derivative(const at::Tensor& scores, const ResidualMaps& maps) {
  at::Tensor d;
  if (maps.mask.defined()) {
    auto positive = (scores.detach() > 0).to(scores.scalar_type());
    d = maps.mask + (1 - maps.mask) * positive;
  } else {
    d = at::ones_like(scores);
  }
  return maps.weight.defined() ? maps.weight * d : d;
}

}  // namespace dimp::losses
