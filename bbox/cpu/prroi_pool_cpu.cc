#include "bbox/cpu/prroi_pool_cpu.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "bbox/cpu/prroi_pool_nhwc.h"
#include "bbox/cpu/prroi_pool_weights.h"
#include "bbox/prroi_pool_bin.h"

namespace dimp::bbox::cpu {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

template <typename T>
void forward_impl(const T* F, const T* rois, T* out, int64_t R, int64_t C, int64_t H, int64_t W, int ph, int pw,
                  T scale) {
  const auto weights = roi_weights(rois, R, static_cast<int>(H), static_cast<int>(W), ph, pw, scale);
  at::parallel_for(0, R * C, 16, [&](int64_t begin, int64_t end) {
    for (int64_t rc = begin; rc < end; ++rc) {
      const int64_t r = rc / C, c = rc % C;
      const auto& rw = weights[r];
      const T area = rw.x.bin_size * rw.y.bin_size;
      const T* plane = F + (rw.n * C + c) * H * W;
      T* o = out + rc * ph * pw;
      for (int i = 0; i < ph; ++i) {
        for (int j = 0; j < pw; ++j) {
          T sum = 0;
          if (area > T(0)) {
            const T* wy = rw.y.weight.data() + rw.y.offset[i];
            const T* wx = rw.x.weight.data() + rw.x.offset[j];
            for (int a = 0; a < rw.y.count[i]; ++a) {
              const T* row = plane + (rw.y.lo[i] + a) * W + rw.x.lo[j];
              T acc = 0;
              for (int b = 0; b < rw.x.count[j]; ++b) acc += row[b] * wx[b];
              sum += wy[a] * acc;
            }
            sum /= area;
          }
          o[i * pw + j] = sum;
        }
      }
    }
  });
}

// backward_impl: grad_F may be null when the features need no gradient (IoU-Net refinement
// differentiates w.r.t. the boxes only).
template <typename T>
void backward_impl(const T* F, const T* rois, const T* grad_out, T* grad_F, T* grad_rois, int64_t R, int64_t C,
                   int64_t H, int64_t W, int ph, int pw, T scale) {
  const auto weights = roi_weights(rois, R, static_cast<int>(H), static_cast<int>(W), ph, pw, scale);
  // Threads own channels, so their writes to grad_F never meet; box gradients are summed
  // from per-thread buffers.
  const int threads = at::get_num_threads();
  std::vector<std::vector<T>> partial(threads, std::vector<T>(R * 4, T(0)));
  at::parallel_for(0, C, 1, [&](int64_t c0, int64_t c1) {
    std::vector<T>& mine = partial[at::get_thread_num()];
    for (int64_t c = c0; c < c1; ++c) {
      for (int64_t r = 0; r < R; ++r) {
        const auto& rw = weights[r];
        const T bw = rw.x.bin_size, bh = rw.y.bin_size, area = bw * bh;
        if (!(area > T(0))) continue;
        const int64_t plane = (rw.n * C + c) * H * W;
        const T* f = F + plane;
        T* gf = grad_F ? grad_F + plane : nullptr;
        for (int i = 0; i < ph; ++i) {
          for (int j = 0; j < pw; ++j) {
            const T g = grad_out[((r * C + c) * ph + i) * pw + j];
            if (g == T(0)) continue;
            const int64_t oy = rw.y.offset[i], ox = rw.x.offset[j];
            T S = 0, dxa = 0, dxb = 0, dya = 0, dyb = 0;
            for (int a = 0; a < rw.y.count[i]; ++a) {
              const int h = rw.y.lo[i] + a;
              const T wy = rw.y.weight[oy + a];
              T row = 0, row_lo = 0, row_hi = 0;
              for (int b = 0; b < rw.x.count[j]; ++b) {
                const int w = rw.x.lo[j] + b;
                const T v = f[h * W + w];
                if (gf) gf[h * W + w] += g * wy * rw.x.weight[ox + b] / area;
                row += v * rw.x.weight[ox + b];
                row_lo += v * rw.x.tent_lo[ox + b];
                row_hi += v * rw.x.tent_hi[ox + b];
              }
              S += wy * row;
              dxa -= wy * row_lo;
              dxb += wy * row_hi;
              dya -= rw.y.tent_lo[oy + a] * row;
              dyb += rw.y.tent_hi[oy + a] * row;
            }
            const auto d = prroi::corner_gradient(S, dxa, dxb, dya, dyb, bw, bh, i, j, ph, pw, g * scale);
            mine[4 * r] += d.x0;
            mine[4 * r + 1] += d.y0;
            mine[4 * r + 2] += d.x1;
            mine[4 * r + 3] += d.y1;
          }
        }
      }
    }
  });
  for (const auto& p : partial) {
    for (int64_t r = 0; r < R; ++r) {
      for (int k = 0; k < 4; ++k) grad_rois[5 * r + 1 + k] += p[4 * r + k];
    }
  }
}

struct PrRoIPoolFunction : public torch::autograd::Function<PrRoIPoolFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& features_in, const at::Tensor& rois_in,
                            int64_t ph, int64_t pw, double scale) {
    // Channels-last features (the inference layout) run the NHWC kernel, the rest NCHW.
    const bool nhwc = features_in.suggest_memory_format() == at::MemoryFormat::ChannelsLast;
    const auto format = nhwc ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
    auto features = features_in.contiguous(format);
    auto rois = rois_in.to(features.scalar_type()).contiguous();
    const int64_t R = rois.size(0), C = features.size(1), H = features.size(2), W = features.size(3);
    auto out = at::empty({R, C, ph, pw}, features.options().memory_format(format));
    AT_DISPATCH_FLOATING_TYPES(features.scalar_type(), "prroi_pool_cpu_forward", [&] {
      (nhwc ? prroi_forward_nhwc<scalar_t> : forward_impl<scalar_t>)(
          features.data_ptr<scalar_t>(), rois.data_ptr<scalar_t>(), out.data_ptr<scalar_t>(), R, C, H, W,
          static_cast<int>(ph), static_cast<int>(pw), static_cast<scalar_t>(scale));
    });
    ctx->saved_data["nhwc"] = nhwc;
    ctx->save_for_backward({features, rois});
    ctx->saved_data["ph"] = ph;
    ctx->saved_data["pw"] = pw;
    ctx->saved_data["scale"] = scale;
    ctx->saved_data["rois_dtype"] = static_cast<int64_t>(rois_in.scalar_type());
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    TORCH_CHECK(!at::GradMode::is_enabled(),
                "prroi_pool2d CPU kernel: higher-order gradients are not supported (use prroi_pool2d_reference)");
    auto saved = ctx->get_saved_variables();
    const auto& features = saved[0];
    const auto& rois = saved[1];
    const int64_t ph = ctx->saved_data["ph"].toInt(), pw = ctx->saved_data["pw"].toInt();
    const double scale = ctx->saved_data["scale"].toDouble();
    const bool nhwc = ctx->saved_data["nhwc"].toBool();
    const auto format = nhwc ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
    auto grad_out = grads[0].contiguous(format);
    const bool want_features = ctx->needs_input_grad(0);
    auto grad_features = want_features ? at::zeros_like(features, format) : at::Tensor();
    auto grad_rois = at::zeros_like(rois);
    const int64_t R = rois.size(0), C = features.size(1), H = features.size(2), W = features.size(3);
    AT_DISPATCH_FLOATING_TYPES(features.scalar_type(), "prroi_pool_cpu_backward", [&] {
      (nhwc ? prroi_backward_nhwc<scalar_t> : backward_impl<scalar_t>)(
          features.data_ptr<scalar_t>(), rois.data_ptr<scalar_t>(), grad_out.data_ptr<scalar_t>(),
          want_features ? grad_features.data_ptr<scalar_t>() : nullptr, grad_rois.data_ptr<scalar_t>(), R, C, H, W,
          static_cast<int>(ph), static_cast<int>(pw), static_cast<scalar_t>(scale));
    });
    const auto rois_dtype = static_cast<at::ScalarType>(ctx->saved_data["rois_dtype"].toInt());
    return {grad_features, grad_rois.to(rois_dtype), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor prroi_pool2d_cpu(const at::Tensor& features, const at::Tensor& rois, int64_t ph, int64_t pw,
                            double spatial_scale) {
  return PrRoIPoolFunction::apply(features, rois, ph, pw, spatial_scale);
}

}  // namespace dimp::bbox::cpu
