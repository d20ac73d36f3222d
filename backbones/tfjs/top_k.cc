#include "backbones/tfjs/top_k.h"

#include <ATen/ops/arange.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/nonzero.h>
#include <ATen/ops/sort.h>
#include <ATen/ops/topk.h>

#include <stdexcept>
#include <string>

namespace dimp::backbones::tfjs {

std::pair<at::Tensor, at::Tensor> top_k(const at::Tensor& x, int64_t k) {
  if (x.dim() < 1) throw std::invalid_argument("TopKV2 needs at least one dimension");
  const int64_t n = x.size(-1);
  if (k < 0 || k > n) {
    throw std::invalid_argument("TopKV2: k = " + std::to_string(k) + " is outside [0, " + std::to_string(n) + "]");
  }
  std::vector<int64_t> out_shape(x.sizes().begin(), x.sizes().end());
  out_shape.back() = k;
  const at::Tensor rows = x.reshape({-1, n});
  at::Tensor values = at::empty({rows.size(0), k}, x.options());
  at::Tensor indices = at::empty({rows.size(0), k}, x.options().dtype(at::kInt));
  if (k > 0) {
    // The k-th largest value bounds the candidates: every larger entry is in, and of the entries
    // equal to it the lowest indices fill the remaining places. A stable descending sort of the
    // candidates (in index order) gives TF's order.
    const at::Tensor kth = std::get<0>(at::topk(rows, k, 1, true, true)).select(1, k - 1);
    for (int64_t r = 0; r < rows.size(0); ++r) {
      const at::Tensor row = rows[r];
      at::Tensor candidates = at::nonzero(row >= kth[r]).view(-1);
      if (candidates.size(0) < k) candidates = at::nonzero(row == row).view(-1);  // NaN: sort the row
      if (candidates.size(0) < k) candidates = at::arange(n, candidates.options());
      const at::Tensor cand_values = row.index_select(0, candidates);
      auto [sorted, order] = at::sort(cand_values, /*stable=*/true, /*dim=*/0, /*descending=*/true);
      values[r].copy_(sorted.narrow(0, 0, k));
      indices[r].copy_(candidates.index_select(0, order.narrow(0, 0, k)));
    }
  }
  return {values.view(out_shape), indices.view(out_shape)};
}

}  // namespace dimp::backbones::tfjs
