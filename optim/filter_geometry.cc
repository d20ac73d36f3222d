#include "optim/filter_geometry.h"

namespace dimp::optim {

at::Tensor score_centers(const at::Tensor& boxes, const FilterGeometry& g) {
  TORCH_CHECK(boxes.dim() >= 1 && boxes.size(-1) == 4, "score_centers: boxes must be (..., 4), got ", boxes.sizes());
  auto cx = (boxes.select(-1, 0) + 0.5 * boxes.select(-1, 2)) / g.stride - g.offset_w();
  auto cy = (boxes.select(-1, 1) + 0.5 * boxes.select(-1, 3)) / g.stride - g.offset_h();
  return at::stack({cx, cy}, -1);
}

}  // namespace dimp::optim
