#include "bbox/iou_head.h"

#include "bbox/cpu/few_rows_matmul.h"
#include "bbox/cpu/prroi_pool_nhwc.h"
#include "bbox/prroi_pool.h"

namespace dimp::bbox {

IoUHead::Branch IoUHead::branch(const AtomIoUNetImpl::FoldedLayer& fc, const at::Tensor& predictor, int pooled,
                                double scale, bool bfloat16) {
  const int64_t N = fc.weight.size(0), C = fc.weight.size(1) / (pooled * pooled);
  // (N, C, s, s) -> (N, s, s, C): the order in which channels-last pooling writes a box.
  auto w = fc.weight.reshape({N, C, pooled, pooled}).permute({0, 2, 3, 1}).reshape({N, -1}).contiguous();
  Branch b{w, {}, {}, fc.bias.contiguous(), predictor.reshape({N, 1}).contiguous(), w.size(1), pooled,
           static_cast<float>(scale)};
  if (bfloat16) {  // only the bfloat16 copies are read then
    b.weight_bf16 = w.to(at::kBFloat16);
    b.pairs_bf16 = cpu::pack_row_pairs(w);
    b.weight = at::Tensor();
  }
  return b;
}

IoUHead::IoUHead(const AtomIoUNetImpl& net, std::optional<bool> bfloat16_choice) {
  TORCH_CHECK(net.is_folded(), "IoUHead: the IoU-Net must be folded (fold_batchnorm(), eval mode)");
  const bool bfloat16 =
      bfloat16_choice.value_or(net.test_branch_type() == at::kBFloat16 && cpu::has_native_bf16());
  at::NoGradGuard ng;
  const auto& fc3 = net.folded(*net.fc3_rt);
  const auto& fc4 = net.folded(*net.fc4_rt);
  TORCH_CHECK(fc3.weight.scalar_type() == at::kFloat && fc3.weight.is_cpu(), "IoUHead: float CPU weights only, got ",
              fc3.weight.toString());
  const auto w = net.iou_predictor->weight.reshape({-1});
  const int64_t n3 = fc3.weight.size(0), n4 = fc4.weight.size(0);
  TORCH_CHECK(w.size(0) == n3 + n4, "IoUHead: iou_predictor takes ", w.size(0), " inputs, fc3_rt/fc4_rt give ", n3,
              " + ", n4);
  const int64_t k3 = fc3.weight.size(1), k4 = fc4.weight.size(1);
  TORCH_CHECK(!bfloat16 || (cpu::has_native_bf16() && k3 % 32 == 0 && k4 % 32 == 0 && n3 % 2 == 0 && n4 % 2 == 0),
              "IoUHead: bfloat16 needs AVX512-BF16, FC inputs in multiples of 32 and even widths");
  layer2_ = branch(fc3, w.narrow(0, 0, n3), AtomIoUNetImpl::kPooled2, AtomIoUNetImpl::kScale2, bfloat16);
  layer3_ = branch(fc4, w.narrow(0, n3, n4), AtomIoUNetImpl::kPooled3, AtomIoUNetImpl::kScale3, bfloat16);
  predictor_bias_ = net.iou_predictor->bias.item<float>();
}

void IoUHead::add(const Branch& b, const at::Tensor& features, const at::Tensor& rois, at::Tensor& iou,
                  at::Tensor& grad_rois) {
  TORCH_CHECK(features.dim() == 4 && features.scalar_type() == at::kFloat && features.is_cpu(),
              "IoUHead: features must be float CPU (B, C, H, W), got ", features.toString(), " ", features.sizes());
  const auto F = features.contiguous(at::MemoryFormat::ChannelsLast);
  const int64_t R = rois.size(0), C = F.size(1), H = F.size(2), W = F.size(3);
  TORCH_CHECK(C * b.pooled * b.pooled == b.inputs, "IoUHead: features have ", C, " channels, the predictor expects ",
              b.inputs / (b.pooled * b.pooled));
  auto pooled = at::empty({R, b.inputs}, F.options().memory_format(at::MemoryFormat::Contiguous));
  cpu::prroi_forward_nhwc<float>(F.data_ptr<float>(), rois.data_ptr<float>(), pooled.data_ptr<float>(), R, C, H, W,
                                 b.pooled, b.pooled, b.scale);
  const bool bf16 = b.weight_bf16.defined();
  const auto pre = bf16 ? cpu::few_rows_matmul_bt_bf16(pooled, b.weight_bf16, b.bias)
                        : cpu::few_rows_matmul_bt(pooled, b.weight, b.bias);  // (R, N) before the ReLU
  iou.add_(cpu::few_rows_matmul(pre.clamp_min(0), b.predictor).view({-1}));
  if (!grad_rois.defined()) return;
  const auto grad_pre = (pre > 0).to(at::kFloat).mul_(b.predictor.view({-1}));
  const auto grad_pooled = bf16 ? cpu::few_rows_matmul_pairs_bf16(grad_pre, b.pairs_bf16)
                                : cpu::few_rows_matmul(grad_pre, b.weight);
  cpu::prroi_backward_nhwc<float>(F.data_ptr<float>(), rois.data_ptr<float>(), grad_pooled.data_ptr<float>(), nullptr,
                                  grad_rois.data_ptr<float>(), R, C, H, W, b.pooled, b.pooled, b.scale);
}

IoUHead::Output IoUHead::evaluate(const IoUFeatures& f, const at::Tensor& proposals, bool box_gradient) const {
  TORCH_CHECK(proposals.dim() == 3 && proposals.size(2) == 4, "IoUHead: proposals must be (B, P, 4), got ",
              proposals.sizes());
  const int64_t B = f.layer2.size(0), P = proposals.size(1);
  TORCH_CHECK(proposals.size(0) == B && f.layer3.size(0) == B, "IoUHead: ", proposals.size(0), " proposal sets for ",
              B, " layer2 and ", f.layer3.size(0), " layer3 maps");
  at::NoGradGuard ng;
  const auto rois = xywh_to_rois(proposals.to(at::kCPU, at::kFloat)).contiguous();
  TORCH_CHECK(at::isfinite(rois).all().item<bool>(), "IoUHead: proposals contain NaN or infinity");
  auto iou = at::full({B * P}, predictor_bias_, rois.options());
  at::Tensor grad_rois = box_gradient ? at::zeros({B * P, 5}, rois.options()) : at::Tensor();
  add(layer2_, f.layer2, rois, iou, grad_rois);
  add(layer3_, f.layer3, rois, iou, grad_rois);
  Output out{iou.view({B, P}), {}};
  if (box_gradient) {
    // rois are (b, x0, y0, x1, y1) with x1 = x + w: d/dx = d/dx0 + d/dx1, d/dw = d/dx1.
    const auto g0 = grad_rois.narrow(1, 1, 2), g1 = grad_rois.narrow(1, 3, 2);
    out.box_gradient = at::cat({g0 + g1, g1}, 1).view({B, P, 4});
  }
  return out;
}

}  // namespace dimp::bbox
