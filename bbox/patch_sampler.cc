#include "bbox/patch_sampler.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace dimp::bbox {
namespace {

// floor_mod: non-negative remainder.
int64_t floor_mod(int64_t a, int64_t m) { return ((a % m) + m) % m; }

// Crop1D: the crop along one axis, in the stride-`df` subsampled grid whose pixel j is
// original pixel offset + df*j, and the image range [lo, hi) the patch reports.
struct Crop1D {
  int64_t df = 1, offset = 0, grid_size = 0;  // grid_size: pixels of the subsampled axis
  int64_t tl = 0, size = 0;                   // crop [tl, tl + size) in grid pixels
  double lo = 0, hi = 0;
};

// centered_axis: CropRule::kCentered; the reported range is the crop's footprint.
Crop1D centered_axis(double center, double extent, int64_t image_size, int64_t df) {
  Crop1D c;
  c.df = df;
  // Centre pixel of the request lies on the subsampled grid, as in the reference.
  c.offset = floor_mod(static_cast<int64_t>(std::floor(center - 0.5)), df);
  c.grid_size = (image_size - c.offset + df - 1) / df;
  c.size = std::max<int64_t>(std::llround(extent / df), 2);
  const double center_grid = (center - 0.5 - c.offset) / df + 0.5;
  // A half-pixel start rounds up wherever the crop lies (llround rounded -15.5 to -16 but
  // 15.5 to 16: crops starting outside the image landed a pixel further out).
  c.tl = static_cast<int64_t>(std::floor(center_grid - 0.5 * c.size + 0.5));
  return c;
}

// set_footprint: the reported range of a kCentered crop: its pixels' extent in the image.
void set_footprint(Crop1D& c) {
  c.lo = static_cast<double>(c.offset) + static_cast<double>(c.df) * static_cast<double>(c.tl) + 0.5 - 0.5 * c.df;
  c.hi = c.lo + static_cast<double>(c.df * c.size);
}

// pytracking_axis: CropRule::kPytracking (see patch_sampler.h); `inside` shifts [tl, br) into
// the subsampled image first, as pytracking's inside modes do.
Crop1D pytracking_axis(double center, double extent, int64_t image_size, int64_t df, bool inside) {
  Crop1D c;
  c.df = df;
  int64_t pos = static_cast<int64_t>(std::trunc(center - 0.5));  // pytracking's pos.long()
  c.offset = floor_mod(pos, df);
  pos = (pos - c.offset) / df;
  c.grid_size = (image_size - c.offset + df - 1) / df;
  const double n = std::max(std::nearbyint(extent / static_cast<double>(df)), 2.0);  // halves to even
  double tl = static_cast<double>(pos) - (n - 1) / 2, br = static_cast<double>(pos) + n / 2 + 1;
  if (inside) {
    const double size = static_cast<double>(c.grid_size);
    double shift = std::max(-tl, 0.0) - std::max(br - size, 0.0);
    tl += shift;
    br += shift;
    const double outside = std::floor((std::max(-tl, 0.0) + std::max(br - size, 0.0)) / 2);
    shift = outside > 0 ? -tl - outside : 0.0;
    tl += shift;
    br += shift;
  }
  c.tl = static_cast<int64_t>(std::trunc(tl));
  c.size = static_cast<int64_t>(std::trunc(br)) - c.tl;
  if (c.size < 1) throw std::invalid_argument("sample_patch: the pytracking crop rule gives an empty crop");
  c.lo = static_cast<double>(df) * tl;
  c.hi = static_cast<double>(df) * br;
  return c;
}

// shift_inside: move the crop into [0, grid_size); a crop larger than the image is centred.
void shift_inside(Crop1D& c) {
  const int64_t br = c.tl + c.size;
  c.tl += std::max<int64_t>(-c.tl, 0) - std::max<int64_t>(br - c.grid_size, 0);
  const int64_t outside = (std::max<int64_t>(-c.tl, 0) + std::max<int64_t>(c.tl + c.size - c.grid_size, 0)) / 2;
  if (outside > 0) c.tl = -outside;
}

// Original-image pixel index of every crop pixel, clamped to the image (replicate border),
// and the mask of crop pixels that really lie inside it.
at::Tensor source_index(const Crop1D& c, const at::Device& device) {
  auto j = at::arange(c.tl, c.tl + c.size, at::TensorOptions().dtype(at::kLong).device(device));
  return j.clamp(0, c.grid_size - 1) * c.df + c.offset;
}

// take_axis: the crop's pixels along `dim`: a strided view when the crop lies inside the
// image, a gather of clamped indices (the replicate border) otherwise.
at::Tensor take_axis(const at::Tensor& t, int64_t dim, const Crop1D& c) {
  if (c.tl >= 0 && c.tl + c.size <= c.grid_size) {
    const int64_t start = c.offset + c.df * c.tl;
    return t.slice(dim, start, start + c.df * (c.size - 1) + 1, c.df);
  }
  return t.index_select(dim, source_index(c, t.device()));
}

at::Tensor inside_mask(const Crop1D& c, const at::Device& device) {
  auto j = at::arange(c.tl, c.tl + c.size, at::TensorOptions().dtype(at::kLong).device(device));
  return (j >= 0) & (j < c.grid_size);
}

}  // namespace

at::Tensor as_batched_image(const at::Tensor& image) {
  if (!image.defined()) throw std::invalid_argument("sample_patch: image tensor is undefined");
  if (image.dim() == 3) return image.unsqueeze(0);
  if (image.dim() == 4 && image.size(0) == 1) return image;
  std::ostringstream msg;
  msg << "sample_patch: expected an image of shape (C, H, W) or (1, C, H, W), got " << image.sizes();
  throw std::invalid_argument(msg.str());
}

SampledPatch sample_patch(const at::Tensor& image_in, const CenterBox& region, OutputSize output,
                          const PatchSamplerOptions& options) {
  const at::Tensor image = as_batched_image(image_in);
  const int64_t H = image.size(2), W = image.size(3);
  if (image.size(1) < 1 || H < 1 || W < 1) {
    std::ostringstream msg;
    msg << "sample_patch: empty image of shape " << image_in.sizes();
    throw std::invalid_argument(msg.str());
  }
  if (!(std::isfinite(region.cx) && std::isfinite(region.cy) && std::isfinite(region.w) &&
        std::isfinite(region.h) && region.w > 0 && region.h > 0)) {
    std::ostringstream msg;
    msg << "sample_patch: region must be finite with positive size, got centre (" << region.cx
        << ", " << region.cy << ") size " << region.w << " x " << region.h;
    throw std::invalid_argument(msg.str());
  }
  if (output.w < 1 || output.h < 1) {
    std::ostringstream msg;
    msg << "sample_patch: output size must be positive, got " << output.w << " x " << output.h;
    throw std::invalid_argument(msg.str());
  }
  if (!(options.max_scale_change >= 1.0)) {
    throw std::invalid_argument("sample_patch: max_scale_change must be >= 1");
  }

  double sample_w = region.w, sample_h = region.h;
  const bool inside = options.border == BorderMode::kInside || options.border == BorderMode::kInsideMajor;
  const bool pytracking = options.crop == CropRule::kPytracking;
  if (inside) {
    const double fw = sample_w / W, fh = sample_h / H;
    double shrink = options.border == BorderMode::kInside ? std::max(fw, fh) : std::min(fw, fh);
    shrink = std::clamp(shrink, 1.0, options.max_scale_change);
    sample_w /= shrink;
    sample_h /= shrink;
    if (pytracking) {  // pytracking truncates the shrunk size to whole pixels
      sample_w = std::trunc(sample_w);
      sample_h = std::trunc(sample_h);
    }
  }

  int64_t df = 1;
  if (options.predownsample) {
    const double resize = std::min(sample_w / output.w, sample_h / output.h);
    df = std::max<int64_t>(static_cast<int64_t>(resize - 0.1), 1);
  }

  Crop1D cx, cy;
  if (pytracking) {
    cx = pytracking_axis(region.cx, sample_w, W, df, inside);
    cy = pytracking_axis(region.cy, sample_h, H, df, inside);
  } else {
    cx = centered_axis(region.cx, sample_w, W, df);
    cy = centered_axis(region.cy, sample_h, H, df);
    if (inside) {
      shift_inside(cx);
      shift_inside(cy);
    }
    set_footprint(cx);
    set_footprint(cy);
  }

  const auto device = image.device();
  // Rows first: the column pass then touches the crop's rows only.
  at::Tensor patch = take_axis(take_axis(image, 2, cy), 3, cx).to(at::kFloat);
  if (patch.is_alias_of(image)) patch = patch.clone();  // a float image's view: never hand out the caller's pixels

  if (options.border == BorderMode::kMean || options.border == BorderMode::kZero) {
    at::Tensor mask = inside_mask(cy, device).view({1, 1, -1, 1}) & inside_mask(cx, device).view({1, 1, 1, -1});
    at::Tensor fill;
    if (options.border == BorderMode::kZero) {
      fill = at::zeros({1, image.size(1), 1, 1}, patch.options());
    } else {
      const auto count = mask.sum().item<int64_t>();
      fill = count > 0 ? (patch * mask).sum({2, 3}, true) / static_cast<double>(count)
                       : image.to(at::kFloat).mean({2, 3}, true);
    }
    patch = at::where(mask, patch, fill);
  }

  if (patch.size(2) != output.h || patch.size(3) != output.w) {
    patch = at::upsample_bilinear2d(patch, {output.h, output.w}, /*align_corners=*/false);
  } else if (!patch.is_contiguous()) {
    patch = patch.contiguous();
  }

  PatchRegion r;
  r.x0 = cx.lo;
  r.x1 = cx.hi;
  r.y0 = cy.lo;
  r.y1 = cy.hi;
  r.out_w = output.w;
  r.out_h = output.h;
  return {patch, r};
}

MultiScalePatches sample_patches_multiscale(const at::Tensor& image, const CenterBox& region,
                                            const std::vector<double>& scales, OutputSize output,
                                            const PatchSamplerOptions& options) {
  if (scales.empty()) throw std::invalid_argument("sample_patches_multiscale: no scales given");
  MultiScalePatches out;
  std::vector<at::Tensor> patches;
  patches.reserve(scales.size());
  for (double s : scales) {
    auto sp = sample_patch(image, {region.cx, region.cy, region.w * s, region.h * s}, output, options);
    patches.push_back(sp.patch);
    out.regions.push_back(sp.region);
  }
  out.patches = at::cat(patches, 0);
  return out;
}

}  // namespace dimp::bbox
