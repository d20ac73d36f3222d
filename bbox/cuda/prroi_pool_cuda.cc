#include "bbox/cuda/prroi_pool_cuda.h"

#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>
#include <torch/csrc/autograd/custom_function.h>

#include "bbox/cuda/prroi_pool_kernel.h"

namespace dimp::bbox::cuda {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

PrRoIPoolShape shape_of(const at::Tensor& f, const at::Tensor& rois, int64_t ph, int64_t pw) {
  return {static_cast<int>(rois.size(0)), static_cast<int>(f.size(1)), static_cast<int>(f.size(2)),
          static_cast<int>(f.size(3)), static_cast<int>(ph), static_cast<int>(pw)};
}

struct PrRoIPoolFunction : public torch::autograd::Function<PrRoIPoolFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& features_in, const at::Tensor& rois_in,
                            int64_t ph, int64_t pw, double scale) {
    const c10::cuda::CUDAGuard guard(features_in.device());
    auto features = features_in.contiguous();
    auto rois = rois_in.to(features.scalar_type()).contiguous();
    auto out = at::empty({rois.size(0), features.size(1), ph, pw}, features.options());
    const auto s = shape_of(features, rois, ph, pw);
    auto stream = at::cuda::getCurrentCUDAStream();
    cudaError_t err = cudaSuccess;
    AT_DISPATCH_FLOATING_TYPES(features.scalar_type(), "prroi_pool_forward", [&] {
      err = prroi_pool_forward<scalar_t>(features.data_ptr<scalar_t>(), rois.data_ptr<scalar_t>(),
                                         out.data_ptr<scalar_t>(), s, static_cast<scalar_t>(scale), stream);
    });
    TORCH_CHECK(err == cudaSuccess, "prroi_pool2d CUDA forward: ", cudaGetErrorString(err));
    ctx->save_for_backward({features, rois});
    ctx->saved_data["ph"] = ph;
    ctx->saved_data["pw"] = pw;
    ctx->saved_data["scale"] = scale;
    ctx->saved_data["rois_dtype"] = static_cast<int64_t>(rois_in.scalar_type());
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    TORCH_CHECK(!at::GradMode::is_enabled(), "prroi_pool2d CUDA kernel: higher-order gradients are not supported");
    auto saved = ctx->get_saved_variables();
    const auto& features = saved[0];
    const auto& rois = saved[1];
    const int64_t ph = ctx->saved_data["ph"].toInt(), pw = ctx->saved_data["pw"].toInt();
    const double scale = ctx->saved_data["scale"].toDouble();
    const c10::cuda::CUDAGuard guard(features.device());
    auto grad_out = grads[0].contiguous();
    auto grad_features = at::zeros_like(features);
    auto grad_rois = at::zeros_like(rois);
    const auto s = shape_of(features, rois, ph, pw);
    auto stream = at::cuda::getCurrentCUDAStream();
    cudaError_t err = cudaSuccess;
    AT_DISPATCH_FLOATING_TYPES(features.scalar_type(), "prroi_pool_backward", [&] {
      err = prroi_pool_backward<scalar_t>(features.data_ptr<scalar_t>(), rois.data_ptr<scalar_t>(),
                                          grad_out.data_ptr<scalar_t>(), grad_features.data_ptr<scalar_t>(),
                                          grad_rois.data_ptr<scalar_t>(), s, static_cast<scalar_t>(scale), stream);
    });
    TORCH_CHECK(err == cudaSuccess, "prroi_pool2d CUDA backward: ", cudaGetErrorString(err));
    const auto rois_dtype = static_cast<at::ScalarType>(ctx->saved_data["rois_dtype"].toInt());
    return {grad_features, grad_rois.to(rois_dtype), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor prroi_pool2d_cuda(const at::Tensor& features, const at::Tensor& rois, int64_t ph, int64_t pw,
                             double spatial_scale) {
  TORCH_CHECK(features.is_cuda() && rois.is_cuda(), "prroi_pool2d_cuda: tensors must be on a CUDA device");
  return PrRoIPoolFunction::apply(features, rois, ph, pw, spatial_scale);
}

}  // namespace dimp::bbox::cuda
