#include "bbox/prroi_pool.h"

#include "bbox/cpu/prroi_pool_cpu.h"

#ifdef DIMP_WITH_CUDA
#include "bbox/cuda/prroi_pool_cuda.h"
#endif

namespace dimp::bbox {
namespace {

void check_inputs(const at::Tensor& features, const at::Tensor& rois, int64_t ph, int64_t pw, double scale) {
  TORCH_CHECK(features.defined() && features.dim() == 4, "prroi_pool2d: features must be (N, C, H, W), got ",
              features.defined() ? features.sizes() : at::IntArrayRef{});
  TORCH_CHECK(features.is_floating_point(), "prroi_pool2d: features must be floating point, got ",
              features.scalar_type());
  TORCH_CHECK(rois.defined() && rois.dim() == 2 && rois.size(1) == 5,
              "prroi_pool2d: rois must be (R, 5) rows [batch_index, x0, y0, x1, y1], got ",
              rois.defined() ? rois.sizes() : at::IntArrayRef{});
  TORCH_CHECK(rois.device() == features.device(), "prroi_pool2d: rois on ", rois.device(), ", features on ",
              features.device());
  TORCH_CHECK(ph > 0 && pw > 0, "prroi_pool2d: pooled size must be positive, got ", ph, "x", pw);
  TORCH_CHECK(scale > 0, "prroi_pool2d: spatial_scale must be positive, got ", scale);
  if (rois.size(0) > 0) {
    auto b = rois.select(1, 0).detach();
    const double lo = b.min().item<double>(), hi = b.max().item<double>();
    TORCH_CHECK(lo >= 0 && hi < features.size(0) && (b == b.floor()).all().item<bool>(),
                "prroi_pool2d: batch indices must be integers in [0, ", features.size(0), "), got range [", lo,
                ", ", hi, "]");
    TORCH_CHECK(at::isfinite(rois.detach()).all().item<bool>(), "prroi_pool2d: rois contain NaN or infinity");
  }
}

}  // namespace

std::string prroi_pool_backend(const at::Device& device) {
  if (device.is_cpu()) return "cpu-kernel";
#ifdef DIMP_WITH_CUDA
  if (device.is_cuda()) return "cuda-kernel";
#endif
  return "libtorch";
}

at::Tensor prroi_pool2d(const at::Tensor& features, const at::Tensor& rois, int64_t ph, int64_t pw,
                        double spatial_scale) {
  check_inputs(features, rois, ph, pw, spatial_scale);
  if (features.device().is_cpu()) return cpu::prroi_pool2d_cpu(features, rois, ph, pw, spatial_scale);
#ifdef DIMP_WITH_CUDA
  if (features.is_cuda()) return cuda::prroi_pool2d_cuda(features, rois, ph, pw, spatial_scale);
#endif
  return prroi_pool2d_reference(features, rois, ph, pw, spatial_scale);
}

at::Tensor xywh_to_rois(const at::Tensor& boxes) {
  TORCH_CHECK(boxes.dim() >= 2 && boxes.size(-1) == 4, "xywh_to_rois: boxes must be (images, ..., 4), got ",
              boxes.sizes());
  const int64_t n = boxes.size(0);
  auto flat = boxes.reshape({n, -1, 4});
  const int64_t k = flat.size(1);
  auto idx = at::arange(n, boxes.options()).view({n, 1, 1}).expand({n, k, 1});
  auto xy = flat.narrow(2, 0, 2);
  return at::cat({idx, xy, xy + flat.narrow(2, 2, 2)}, 2).view({n * k, 5});
}

}  // namespace dimp::bbox
