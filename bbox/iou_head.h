// bbox/iou_head.h — the IoU-Net's predictor half (PrRoI pooling of the modulated test
// features, fc3_rt / fc4_rt, iou_predictor) for inference on the CPU, with its backward pass
// to the boxes written out.
//
// Refinement evaluates it 5 times a frame on 10 boxes. Through autograd each evaluation costs
// BLAS calls whose 10-row inputs cannot amortize re-packing the 6.5 MB fc3_rt weight, a copy
// of the channels-last pooled boxes into the linear layer's layout, and graph bookkeeping.
// Here the folded weights are laid out once, columns in the pooled (bin, channel) order, for
// the few-row kernels of bbox/cpu/few_rows_matmul.h (one copy serves both passes).
//
// In bfloat16 (by default when the net's test branch was folded to bfloat16 and the CPU has
// AVX512-BF16) the FC layers keep bfloat16 weights and run on bfloat16 dot products: half the
// bytes and twice the rate, inputs rounded to bfloat16.
//
//   IoUHead head(*net->bb_regressor);   // after fold_batchnorm()
//   auto out = head.evaluate(net->bb_regressor->modulate(modulation, features), proposals);
#pragma once

#include <ATen/ATen.h>

#include <optional>

#include "bbox/atom_iou_net.h"

namespace dimp::bbox {

class IoUHead {
 public:
  // bfloat16: unset follows the net as above; true needs AVX512-BF16.
  explicit IoUHead(const AtomIoUNetImpl& folded_net, std::optional<bool> bfloat16 = std::nullopt);

  struct Output {
    at::Tensor iou;           // (B, P)
    at::Tensor box_gradient;  // (B, P, 4): d iou / d (x, y, w, h); undefined unless asked for
  };
  // evaluate: modulated float CPU features (channels-last avoids a copy); proposals (B, P, 4)
  // x, y, w, h in patch pixels.
  Output evaluate(const IoUFeatures& modulated, const at::Tensor& proposals, bool box_gradient = true) const;

 private:
  struct Branch {
    at::Tensor weight;     // (N, bins * C): the folded linear layer (float mode)
    at::Tensor weight_bf16, pairs_bf16;  // bfloat16 mode: weight, and pack_row_pairs(weight)
    at::Tensor bias;       // (N)
    at::Tensor predictor;  // (N, 1): this branch's part of iou_predictor's weight
    int64_t inputs;        // bins * C
    int pooled;            // bins per side
    float scale;           // 1 / feature stride
  };
  static Branch branch(const AtomIoUNetImpl::FoldedLayer& fc, const at::Tensor& predictor, int pooled, double scale,
                       bool bfloat16);
  // add: this branch's IoU terms to iou (R), and if grad_rois is defined, their roi gradient.
  static void add(const Branch& b, const at::Tensor& features, const at::Tensor& rois, at::Tensor& iou,
                  at::Tensor& grad_rois);

  Branch layer2_, layer3_;
  float predictor_bias_;
};

}  // namespace dimp::bbox
