// Image and reduction ops: ResizeBilinear (resize_bilinear.h) and Mean.
#include <ATen/ops/div.h>
#include <ATen/ops/mean.h>
#include <ATen/ops/sum.h>

#include <stdexcept>

#include "backbones/tfjs/kernel.h"
#include "backbones/tfjs/resize_bilinear.h"

namespace dimp::backbones::tfjs {
namespace {

// mean: TF's Mean over `axes` (negative ones from the end); integers truncate toward zero.
at::Tensor mean(const at::Tensor& x, std::vector<int64_t> axes, bool keep_dims) {
  int64_t count = 1;
  for (int64_t& a : axes) {
    if (a < -x.dim() || a >= x.dim()) {
      throw std::invalid_argument("Mean axis " + std::to_string(a) + " is outside a tensor of rank " +
                                  std::to_string(x.dim()));
    }
    if (a < 0) a += x.dim();
    count *= x.size(a);
  }
  if (axes.empty()) return x;
  if (x.is_floating_point()) return at::mean(x, axes, keep_dims);
  if (count == 0) throw std::invalid_argument("Mean of no integers");
  return at::div(at::sum(x, axes, keep_dims), count, "trunc").to(x.scalar_type());
}

}  // namespace

void add_image_ops(OpTable& t) {
  t["ResizeBilinear"] = [](const NodeContext& c) {
    c.require_inputs(2, 2);
    const bool align = c.attr_bool("align_corners", false);
    const bool half = c.attr_bool("half_pixel_centers", false);
    if (align && half) c.fail("align_corners and half_pixel_centers cannot both be true");
    return CompiledNode{make_kernel([align, half](const Tensors& in, Tensors& out) {
      const std::vector<int64_t> size = int_values(in[1]);
      if (size.size() != 2) throw std::invalid_argument("ResizeBilinear size must hold 2 values");
      out[0] = resize_bilinear(in[0], size[0], size[1], align, half);
    })};
  };
  t["Mean"] = [](const NodeContext& c) {
    c.require_inputs(2, 2);
    const bool keep = c.attr_bool("keep_dims", false);
    return CompiledNode{make_kernel([keep](const Tensors& in, Tensors& out) {
      out[0] = mean(in[0], int_values(in[1]), keep);
    })};
  };
}

}  // namespace dimp::backbones::tfjs
