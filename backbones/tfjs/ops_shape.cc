// Shape ops: Reshape, ExpandDims, Transpose, ConcatV2, SplitV, Pad, PadV2. Views where LibTorch
// can make them (a transpose of NHWC data is free).
#include <ATen/ops/cat.h>
#include <ATen/ops/constant_pad_nd.h>

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "backbones/tfjs/kernel.h"

namespace dimp::backbones::tfjs {
namespace {

std::string shape_text(at::IntArrayRef s) {
  std::string out = "[";
  for (size_t k = 0; k < s.size(); ++k) out += (k ? "," : "") + std::to_string(s[k]);
  return out + "]";
}

// axis: a possibly negative axis of a rank-`rank` tensor (`extra` more for ExpandDims).
int64_t axis(int64_t a, int64_t rank, const char* what, int64_t extra = 0) {
  const int64_t n = rank + extra;
  if (a < -n || a >= n) {
    throw std::invalid_argument(std::string(what) + " " + std::to_string(a) + " is outside [" + std::to_string(-n) +
                                ", " + std::to_string(n) + ")");
  }
  return a < 0 ? a + n : a;
}

int64_t scalar(const at::Tensor& t, const char* what) {
  const std::vector<int64_t> v = int_values(t);
  if (v.size() != 1) throw std::invalid_argument(std::string(what) + " must be a single integer");
  return v[0];
}

// reshape: TF's Reshape: at most one -1, every other size non-negative, the element count kept.
at::Tensor reshape(const at::Tensor& x, std::vector<int64_t> shape) {
  int64_t known = 1, unknown = -1;
  for (size_t k = 0; k < shape.size(); ++k) {
    if (shape[k] == -1) {
      if (unknown >= 0) throw std::invalid_argument("Reshape: more than one -1 in " + shape_text(shape));
      unknown = static_cast<int64_t>(k);
    } else if (shape[k] < 0) {
      throw std::invalid_argument("Reshape: negative size in " + shape_text(shape));
    } else {
      known = shape[k] == 0 ? 0 : (known > (int64_t{1} << 62) / shape[k] ? (int64_t{1} << 62) : known * shape[k]);
    }
  }
  if (unknown >= 0) {
    if (known == 0 || x.numel() % known != 0) {
      throw std::invalid_argument("Reshape: cannot reshape " + shape_text(x.sizes()) + " to " + shape_text(shape));
    }
    shape[unknown] = x.numel() / known;
  } else if (known != x.numel()) {
    throw std::invalid_argument("Reshape: cannot reshape " + shape_text(x.sizes()) + " (" + std::to_string(x.numel()) +
                                " elements) to " + shape_text(shape));
  }
  return x.reshape(shape);
}

// pad: Pad / PadV2: paddings (rank, 2), non-negative.
at::Tensor pad(const at::Tensor& x, const at::Tensor& paddings, const at::Scalar& value) {
  const std::vector<int64_t> p = int_values(paddings);
  if (paddings.dim() != 2 || paddings.size(0) != x.dim() || paddings.size(1) != 2) {
    throw std::invalid_argument("paddings " + shape_text(paddings.sizes()) + " must be (" + std::to_string(x.dim()) +
                                ", 2) for an input " + shape_text(x.sizes()));
  }
  std::vector<int64_t> torch_pad;  // last dimension first
  for (int64_t d = x.dim() - 1; d >= 0; --d) {
    if (p[2 * d] < 0 || p[2 * d + 1] < 0) throw std::invalid_argument("paddings must not be negative");
    torch_pad.push_back(p[2 * d]);
    torch_pad.push_back(p[2 * d + 1]);
  }
  if (std::all_of(p.begin(), p.end(), [](int64_t v) { return v == 0; })) return x;
  return at::constant_pad_nd(x, torch_pad, value);
}

}  // namespace

void add_shape_ops(OpTable& t) {
  t["Reshape"] = [](const NodeContext& c) {
    c.require_inputs(2, 2);
    return CompiledNode{make_kernel([](const Tensors& in, Tensors& out) { out[0] = reshape(in[0], int_values(in[1])); })};
  };
  t["ExpandDims"] = [](const NodeContext& c) {
    c.require_inputs(2, 2);
    return CompiledNode{make_kernel([](const Tensors& in, Tensors& out) {
      out[0] = in[0].unsqueeze(axis(scalar(in[1], "ExpandDims dim"), in[0].dim(), "ExpandDims dim", 1));
    })};
  };
  t["Transpose"] = [](const NodeContext& c) {
    c.require_inputs(2, 2);
    return CompiledNode{make_kernel([](const Tensors& in, Tensors& out) {
      const std::vector<int64_t> perm = int_values(in[1]);
      std::vector<int64_t> sorted = perm;
      std::sort(sorted.begin(), sorted.end());
      std::vector<int64_t> identity(static_cast<size_t>(in[0].dim()));
      std::iota(identity.begin(), identity.end(), 0);
      if (sorted != identity) {
        throw std::invalid_argument("Transpose: " + shape_text(perm) + " is not a permutation of " +
                                    std::to_string(in[0].dim()) + " dimensions");
      }
      out[0] = in[0].permute(perm);
    })};
  };
  t["ConcatV2"] = [](const NodeContext& c) {
    const int64_t n = c.attr_int("N", c.num_inputs() - 1);
    if (n < 1 || c.num_inputs() != n + 1) c.fail("needs N = " + std::to_string(n) + " inputs and an axis");
    return CompiledNode{make_kernel([n](const Tensors& in, Tensors& out) {
      const int64_t rank = in[0].dim();
      if (rank == 0) throw std::invalid_argument("ConcatV2 cannot join scalars");
      const int64_t a = axis(scalar(in[n], "ConcatV2 axis"), rank, "ConcatV2 axis");
      out[0] = n == 1 ? in[0] : at::cat(at::TensorList(in.data(), static_cast<size_t>(n)), a);
    })};
  };
  t["SplitV"] = [](const NodeContext& c) {
    c.require_inputs(3, 3);
    const int64_t num = c.attr_int("num_split");
    if (num < 1 || num > 4096) c.fail("num_split " + std::to_string(num) + " is outside [1, 4096]");
    return CompiledNode{make_kernel([num](const Tensors& in, Tensors& out) {
                          const at::Tensor& x = in[0];
                          std::vector<int64_t> sizes = int_values(in[1]);
                          const int64_t a = axis(scalar(in[2], "SplitV axis"), x.dim(), "SplitV axis");
                          if (static_cast<int64_t>(sizes.size()) != num) {
                            throw std::invalid_argument("SplitV: " + std::to_string(sizes.size()) +
                                                        " sizes for num_split " + std::to_string(num));
                          }
                          int64_t known = 0, unknown = -1;
                          for (size_t k = 0; k < sizes.size(); ++k) {
                            if (sizes[k] == -1 && unknown < 0) unknown = static_cast<int64_t>(k);
                            else if (sizes[k] < 0) throw std::invalid_argument("SplitV: bad size " + shape_text(sizes));
                            else known += sizes[k];
                          }
                          if (unknown >= 0 && known <= x.size(a)) sizes[unknown] = x.size(a) - known;
                          if (std::accumulate(sizes.begin(), sizes.end(), int64_t{0}) != x.size(a)) {
                            throw std::invalid_argument("SplitV: sizes " + shape_text(sizes) + " do not add up to " +
                                                        std::to_string(x.size(a)));
                          }
                          int64_t start = 0;
                          for (int64_t k = 0; k < num; ++k) {
                            out[k] = x.narrow(a, start, sizes[k]);
                            start += sizes[k];
                          }
                        }),
                        num};
  };
  t["Pad"] = [](const NodeContext& c) {
    c.require_inputs(2, 2);
    return CompiledNode{make_kernel([](const Tensors& in, Tensors& out) { out[0] = pad(in[0], in[1], 0); })};
  };
  t["PadV2"] = [](const NodeContext& c) {
    c.require_inputs(3, 3);
    return CompiledNode{make_kernel([](const Tensors& in, Tensors& out) {
      if (in[2].numel() != 1) throw std::invalid_argument("PadV2 constant_values must be a scalar");
      out[0] = pad(in[0], in[1], in[2].reshape({}).item());
    })};
  };
}

}  // namespace dimp::backbones::tfjs
