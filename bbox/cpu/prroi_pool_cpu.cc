#include "bbox/cpu/prroi_pool_cpu.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "bbox/prroi_pool_bin.h"

namespace dimp::bbox::cpu {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// AxisWeights: for each bin along one axis of one RoI, the samples its edges overlap and
// their weights: the tent integrals over the bin (for the value) and the tents at the two
// edges (for the edge derivatives). They do not depend on the channel, so they are computed
// once per RoI and reused for every channel.
template <typename T>
struct AxisWeights {
  std::vector<int> lo, count;             // per bin: first sample, number of samples
  std::vector<int64_t> offset;            // per bin: start in the weight arrays
  std::vector<T> weight, tent_lo, tent_hi;
  T bin_size = 0;
};

template <typename T>
AxisWeights<T> axis_weights(T start, T end, int bins, int size) {
  AxisWeights<T> a;
  a.bin_size = (end > start ? end - start : T(0)) / bins;
  for (int j = 0; j < bins; ++j) {
    const T e0 = start + j * a.bin_size, e1 = e0 + a.bin_size;
    const int lo = std::max(0, static_cast<int>(std::floor(e0))), hi = std::min(size - 1, static_cast<int>(std::ceil(e1)));
    a.lo.push_back(lo);
    a.count.push_back(std::max(0, hi - lo + 1));
    a.offset.push_back(static_cast<int64_t>(a.weight.size()));
    for (int w = lo; w <= hi; ++w) {
      a.weight.push_back(prroi::tri_integral(e1 - w) - prroi::tri_integral(e0 - w));
      a.tent_lo.push_back(prroi::tri(e0 - w));
      a.tent_hi.push_back(prroi::tri(e1 - w));
    }
  }
  return a;
}

template <typename T>
struct RoIWeights {
  int n = 0;
  AxisWeights<T> x, y;
};

template <typename T>
std::vector<RoIWeights<T>> roi_weights(const T* rois, int64_t R, int H, int W, int ph, int pw, T scale) {
  std::vector<RoIWeights<T>> out(R);
  at::parallel_for(0, R, 8, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* roi = rois + 5 * r;
      out[r].n = static_cast<int>(roi[0]);
      out[r].x = axis_weights<T>(roi[1] * scale, roi[3] * scale, pw, W);
      out[r].y = axis_weights<T>(roi[2] * scale, roi[4] * scale, ph, H);
    }
  });
  return out;
}

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
            // Edges move with the corners: xa = x0 + j·bw, xb = xa + bw, bw = (x1 − x0)/pw.
            const T value = S / area;
            const T fpw = static_cast<T>(pw), fph = static_cast<T>(ph);
            if (bw > T(0)) {
              mine[4 * r] += g * scale * (dxa * (1 - j / fpw) + dxb * (1 - (j + 1) / fpw) + value * bh / fpw) / area;
              mine[4 * r + 2] += g * scale * (dxa * (j / fpw) + dxb * ((j + 1) / fpw) - value * bh / fpw) / area;
            }
            if (bh > T(0)) {
              mine[4 * r + 1] += g * scale * (dya * (1 - i / fph) + dyb * (1 - (i + 1) / fph) + value * bw / fph) / area;
              mine[4 * r + 3] += g * scale * (dya * (i / fph) + dyb * ((i + 1) / fph) - value * bw / fph) / area;
            }
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
    auto features = features_in.contiguous();
    auto rois = rois_in.to(features.scalar_type()).contiguous();
    const int64_t R = rois.size(0), C = features.size(1), H = features.size(2), W = features.size(3);
    auto out = at::empty({R, C, ph, pw}, features.options());
    AT_DISPATCH_FLOATING_TYPES(features.scalar_type(), "prroi_pool_cpu_forward", [&] {
      forward_impl<scalar_t>(features.data_ptr<scalar_t>(), rois.data_ptr<scalar_t>(), out.data_ptr<scalar_t>(), R, C,
                             H, W, static_cast<int>(ph), static_cast<int>(pw), static_cast<scalar_t>(scale));
    });
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
    auto grad_out = grads[0].contiguous();
    const bool want_features = ctx->needs_input_grad(0);
    auto grad_features = want_features ? at::zeros_like(features) : at::Tensor();
    auto grad_rois = at::zeros_like(rois);
    const int64_t R = rois.size(0), C = features.size(1), H = features.size(2), W = features.size(3);
    AT_DISPATCH_FLOATING_TYPES(features.scalar_type(), "prroi_pool_cpu_backward", [&] {
      backward_impl<scalar_t>(features.data_ptr<scalar_t>(), rois.data_ptr<scalar_t>(), grad_out.data_ptr<scalar_t>(),
                              want_features ? grad_features.data_ptr<scalar_t>() : nullptr,
                              grad_rois.data_ptr<scalar_t>(), R, C, H, W,
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
