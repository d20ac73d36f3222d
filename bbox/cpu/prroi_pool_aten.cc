// The LibTorch implementation of Precise RoI Pooling.
//
// With f(x, y) = sum_{h,w} F[h, w]·tri(x − w)·tri(y − h) (tri(t) = max(0, 1 − |t|)), the
// integral over a bin [xa, xb] x [ya, yb] separates:
//   ∫∫ f = sum_{h,w} F[h, w]·A_w·B_h,  A_w = T(xb − w) − T(xa − w),  B_h likewise in y,
// where T is the integral of tri: a piecewise quadratic, so A and B are closed-form and
// differentiable in the bin edges. Per RoI the pooled map is then B·F·Aᵀ, evaluated for all
// RoIs of an image at once: F (C·H x W) · A (W x R·pw) as one GEMM, then a batched GEMM with
// each RoI's B — large products instead of R·C tiny ones.
#include "bbox/prroi_pool.h"

#include <map>
#include <vector>

namespace dimp::bbox {
namespace {

// T(t) = ∫_{-inf}^{t} tri(u) du.
at::Tensor tri_integral(const at::Tensor& t) {
  auto u = t.clamp(-1, 1);
  return at::where(u <= 0, 0.5 * (u + 1) * (u + 1), 1 - 0.5 * (1 - u) * (1 - u));
}

// Bin-edge weights (R, bins, size): the integral of each sample's tent over each bin.
at::Tensor edge_weights(const at::Tensor& start, const at::Tensor& bin_size, int64_t bins, int64_t size) {
  auto opts = start.options();
  auto j = at::arange(bins, opts).view({1, bins, 1});
  auto lo = start.view({-1, 1, 1}) + j * bin_size.view({-1, 1, 1});
  auto hi = lo + bin_size.view({-1, 1, 1});
  auto grid = at::arange(size, opts).view({1, 1, size});
  return tri_integral(hi - grid) - tri_integral(lo - grid);
}

}  // namespace

at::Tensor prroi_pool2d_reference(const at::Tensor& features, const at::Tensor& rois, int64_t ph, int64_t pw,
                                  double spatial_scale) {
  const int64_t H = features.size(2), W = features.size(3);
  auto r = rois.to(features.scalar_type());
  auto x0 = r.select(1, 1) * spatial_scale, y0 = r.select(1, 2) * spatial_scale;
  auto x1 = r.select(1, 3) * spatial_scale, y1 = r.select(1, 4) * spatial_scale;
  auto bw = (x1 - x0).clamp_min(0) / static_cast<double>(pw);
  auto bh = (y1 - y0).clamp_min(0) / static_cast<double>(ph);
  auto A = edge_weights(x0, bw, pw, W);  // (R, pw, W)
  auto B = edge_weights(y0, bh, ph, H);  // (R, ph, H)
  auto area = bw * bh;
  auto valid = area > 0;
  auto inv_area = at::where(valid, 1.0 / at::where(valid, area, at::ones_like(area)), at::zeros_like(area));

  const int64_t R = rois.size(0), C = features.size(1);
  if (R == 0) return at::zeros({0, C, ph, pw}, features.options());
  // RoIs are pooled image by image, so no per-RoI copy of the feature map is made.
  auto batch = rois.select(1, 0).detach().to(at::kCPU, at::kLong).contiguous();
  std::map<int64_t, std::vector<int64_t>> by_image;
  for (int64_t i = 0; i < R; ++i) by_image[batch.data_ptr<int64_t>()[i]].push_back(i);
  std::vector<at::Tensor> parts;
  std::vector<int64_t> order;
  const auto long_opts = at::TensorOptions().dtype(at::kLong).device(features.device());
  for (const auto& [n, members] : by_image) {
    auto idx = at::tensor(members, at::kLong).to(long_opts.device());
    const int64_t Rn = idx.numel();
    auto Bn = B.index_select(0, idx);                                         // (Rn, ph, H)
    auto An = A.index_select(0, idx).reshape({Rn * pw, W}).t();               // (W, Rn·pw)
    auto T = at::mm(features[n].reshape({C * H, W}), An);                     // (C·H, Rn·pw)
    T = T.view({C, H, Rn, pw}).permute({2, 1, 0, 3}).reshape({Rn, H, C * pw});
    auto pooled = at::bmm(Bn, T).view({Rn, ph, C, pw}).permute({0, 2, 1, 3});  // (Rn, C, ph, pw)
    parts.push_back(pooled * inv_area.index_select(0, idx).view({-1, 1, 1, 1}));
    order.insert(order.end(), members.begin(), members.end());
  }
  auto stacked = parts.size() == 1 ? parts[0] : at::cat(parts);
  bool sorted = true;
  for (int64_t k = 0; k < R && sorted; ++k) sorted = order[k] == k;
  if (sorted) return stacked;
  // Back to the RoIs' order: position of RoI i in `order`.
  std::vector<int64_t> inverse(R);
  for (int64_t k = 0; k < R; ++k) inverse[order[k]] = k;
  return stacked.index_select(0, at::tensor(inverse, at::kLong).to(long_opts.device()));
}

}  // namespace dimp::bbox
