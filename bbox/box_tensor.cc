#include "bbox/box_tensor.h"

#include <c10/util/Exception.h>

namespace dimp::bbox {
namespace {

void check_box_tensor(const at::Tensor& t, const char* name) {
  TORCH_CHECK(t.dim() >= 1 && t.size(-1) == 4, name, ": expected boxes of shape (..., 4), got ",
              t.sizes());
  TORCH_CHECK(t.is_floating_point(), name, ": expected a floating-point tensor, got ",
              t.scalar_type());
}

}  // namespace

at::Tensor xywh_to_xyxy(const at::Tensor& boxes) {
  check_box_tensor(boxes, "xywh_to_xyxy");
  auto xy = boxes.narrow(-1, 0, 2);
  return at::cat({xy, xy + boxes.narrow(-1, 2, 2)}, -1);
}

at::Tensor xyxy_to_xywh(const at::Tensor& boxes) {
  check_box_tensor(boxes, "xyxy_to_xywh");
  auto tl = boxes.narrow(-1, 0, 2);
  return at::cat({tl, boxes.narrow(-1, 2, 2) - tl}, -1);
}

at::Tensor xywh_to_cxcywh(const at::Tensor& boxes) {
  check_box_tensor(boxes, "xywh_to_cxcywh");
  auto wh = boxes.narrow(-1, 2, 2);
  return at::cat({boxes.narrow(-1, 0, 2) + 0.5 * wh, wh}, -1);
}

at::Tensor cxcywh_to_xywh(const at::Tensor& boxes) {
  check_box_tensor(boxes, "cxcywh_to_xywh");
  auto wh = boxes.narrow(-1, 2, 2);
  return at::cat({boxes.narrow(-1, 0, 2) - 0.5 * wh, wh}, -1);
}

at::Tensor iou_xywh(const at::Tensor& a, const at::Tensor& b) {
  check_box_tensor(a, "iou_xywh(a)");
  check_box_tensor(b, "iou_xywh(b)");
  auto a_tl = a.narrow(-1, 0, 2), a_wh = a.narrow(-1, 2, 2);
  auto b_tl = b.narrow(-1, 0, 2), b_wh = b.narrow(-1, 2, 2);
  auto tl = at::max(a_tl, b_tl);
  auto br = at::min(a_tl + a_wh, b_tl + b_wh);
  auto inter_wh = (br - tl).clamp_min(0);
  auto inter = inter_wh.select(-1, 0) * inter_wh.select(-1, 1);
  auto area_a = a_wh.select(-1, 0) * a_wh.select(-1, 1);
  auto area_b = b_wh.select(-1, 0) * b_wh.select(-1, 1);
  auto uni = area_a + area_b - inter;
  auto valid = (a_wh.select(-1, 0) > 0) & (a_wh.select(-1, 1) > 0) & (b_wh.select(-1, 0) > 0) &
               (b_wh.select(-1, 1) > 0);
  // Guarded division keeps gradients finite where the union is empty.
  auto safe_uni = at::where(valid, uni, at::ones_like(uni));
  return at::where(valid, inter / safe_uni, at::zeros_like(uni));
}

at::Tensor pairwise_iou_xywh(const at::Tensor& a, const at::Tensor& b) {
  TORCH_CHECK(a.dim() == 2 && b.dim() == 2, "pairwise_iou_xywh: expected (N, 4) and (M, 4), got ",
              a.sizes(), " and ", b.sizes());
  return iou_xywh(a.unsqueeze(1), b.unsqueeze(0));
}

at::Tensor to_tensor(const Box& b, at::TensorOptions options) {
  return at::tensor({b.x, b.y, b.w, b.h}, options.dtype(at::kDouble)).to(options);
}

Box box_from_tensor(const at::Tensor& t) {
  TORCH_CHECK(t.numel() == 4, "box_from_tensor: expected 4 values, got ", t.numel());
  auto c = t.detach().to(at::kCPU, at::kDouble).contiguous();
  const double* p = c.data_ptr<double>();
  return {p[0], p[1], p[2], p[3]};
}

}  // namespace dimp::bbox
