// Eigen path of the shifted-GEMM filter ops: the same algorithm as filter_kernels.cc without
// LibTorch's per-op dispatch, which dominates when a single small feature map is filtered.
#include <Eigen/Core>

#include "optim/cpu/filter_kernels.h"

namespace dimp::optim::cpu {
namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMap = Eigen::Map<const RowMatrix>;
using Map = Eigen::Map<RowMatrix>;

void check_float(const at::Tensor& t, const char* what) {
  TORCH_CHECK(t.scalar_type() == at::kFloat && t.device().is_cpu(), "Eigen filter path: ", what,
              " must be a float32 CPU tensor, got ", t.scalar_type(), " on ", t.device());
}

}  // namespace

at::Tensor apply_eigen(const at::Tensor& X, const at::Tensor& filter_in, const FilterShape& f) {
  check_float(X, "features");
  check_float(filter_in, "filter");
  auto filter = filter_in.contiguous();
  const int64_t rows = f.N * f.H * f.W;
  auto P = at::empty({f.S, f.N, f.H, f.W, f.K()}, X.options());
  for (int64_t s = 0; s < f.S; ++s) {
    ConstMap x(X.data_ptr<float>() + s * rows * f.C, rows, f.C);
    ConstMap w(filter.data_ptr<float>() + s * f.C * f.K(), f.C, f.K());
    Map p(P.data_ptr<float>() + s * rows * f.K(), rows, f.K());
    p.noalias() = x * w;
  }
  return shift_sum(P, f);
}

at::Tensor transpose_eigen(const at::Tensor& X, const at::Tensor& r, const FilterShape& f) {
  check_float(X, "features");
  check_float(r, "residual");
  auto R = shift_gather(r, f);
  const int64_t rows = f.N * f.H * f.W;
  auto G = at::empty({f.S, f.C, f.kh, f.kw}, X.options());
  for (int64_t s = 0; s < f.S; ++s) {
    ConstMap x(X.data_ptr<float>() + s * rows * f.C, rows, f.C);
    ConstMap rr(R.data_ptr<float>() + s * rows * f.K(), rows, f.K());
    Map g(G.data_ptr<float>() + s * f.C * f.K(), f.C, f.K());
    g.noalias() = x.transpose() * rr;
  }
  return G;
}

}  // namespace dimp::optim::cpu
