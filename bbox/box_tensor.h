// bbox/box_tensor.h — box conversions and IoU on tensors (..., 4), any device.
//
// Boxes are float tensors whose last dimension holds (x, y, w, h) unless the function name
// says otherwise. All functions broadcast over leading dimensions and are differentiable.
//
//   at::Tensor a = at::tensor({0., 0., 10., 10.}).view({1, 4});
//   at::Tensor o = dimp::bbox::iou_xywh(a, proposals);   // proposals (N, 4) -> (N)
#pragma once

#include <ATen/ATen.h>

#include "bbox/box.h"

namespace dimp::bbox {

at::Tensor xywh_to_xyxy(const at::Tensor& boxes);
at::Tensor xyxy_to_xywh(const at::Tensor& boxes);
at::Tensor xywh_to_cxcywh(const at::Tensor& boxes);
at::Tensor cxcywh_to_xywh(const at::Tensor& boxes);

// iou_xywh: element-wise IoU of two broadcastable (..., 4) tensors; 0 where either box has
// non-positive width or height.
at::Tensor iou_xywh(const at::Tensor& a, const at::Tensor& b);

// pairwise_iou_xywh: the (N, M) IoU matrix of boxes a (N, 4) and b (M, 4).
at::Tensor pairwise_iou_xywh(const at::Tensor& a, const at::Tensor& b);

// to_tensor / from_tensor: bridge between Box and a (4) float tensor.
at::Tensor to_tensor(const Box& b, at::TensorOptions options = at::kFloat);
Box box_from_tensor(const at::Tensor& t);

}  // namespace dimp::bbox
