#include "data/processing.h"

#include <cmath>

#include "bbox/jitter.h"
#include "bbox/patch_sampler.h"
#include "data/ground_truth.h"
#include "losses/distance_map.h"

namespace dimp::data {

optim::FilterGeometry ProcessingOptions::geometry() const {
  const int64_t f = output_size / feature_stride;
  return {static_cast<double>(feature_stride), filter_size, filter_size, f, f};
}

double label_sigma_cells(const ProcessingOptions& o) {
  // The target spans output_size / search_area_factor pixels of the patch.
  return o.output_sigma_factor / o.search_area_factor * (static_cast<double>(o.output_size) / o.feature_stride);
}

namespace {

struct Crops {
  at::Tensor images, boxes;
};

Crops crop(const std::vector<at::Tensor>& frames, const std::vector<bbox::Box>& boxes, double center_jitter,
           double scale_jitter, const ProcessingOptions& o, bool grey, std::mt19937_64& rng) {
  if (frames.size() != boxes.size() || frames.empty()) throw DataError("process: frames and boxes differ in number");
  std::vector<at::Tensor> images;
  auto out_boxes = at::empty({static_cast<int64_t>(frames.size()), 4});
  std::uniform_real_distribution<double> bright(1 - o.brightness_jitter, 1 + o.brightness_jitter);
  bbox::PatchSamplerOptions so;
  so.predownsample = false;
  for (size_t i = 0; i < frames.size(); ++i) {
    if (!boxes[i].is_valid()) throw DataError("process: frame with an invalid target box");
    const bbox::Box j = bbox::jitter_box(boxes[i], {center_jitter, scale_jitter}, rng);
    const double side = std::ceil(std::sqrt(j.w * j.h) * o.search_area_factor);
    auto s = bbox::sample_patch(frames[i], {j.cx(), j.cy(), side, side}, {o.output_size, o.output_size}, so);
    at::Tensor img = s.patch[0];
    if (grey) img = (img.select(0, 0) * 0.299 + img.select(0, 1) * 0.587 + img.select(0, 2) * 0.114).expand({3, -1, -1});
    images.push_back((img * bright(rng)).clamp(0, 255));
    const bbox::Box b = s.region.box_to_patch(boxes[i]);
    out_boxes[static_cast<int64_t>(i)] = at::tensor({b.x, b.y, b.w, b.h}, at::kDouble).to(at::kFloat);
  }
  return {at::stack(images), out_boxes};
}

}  // namespace

TrainingSample process(const std::vector<at::Tensor>& train_frames, const std::vector<bbox::Box>& train_boxes,
                       const std::vector<at::Tensor>& test_frames, const std::vector<bbox::Box>& test_boxes,
                       const ProcessingOptions& o, std::mt19937_64& rng) {
  std::bernoulli_distribution grey_draw(o.grayscale_probability);
  const bool grey = grey_draw(rng);
  TrainingSample s;
  auto tr = crop(train_frames, train_boxes, o.center_jitter_train, o.scale_jitter_train, o, grey, rng);
  auto te = crop(test_frames, test_boxes, o.center_jitter_test, o.scale_jitter_test, o, grey, rng);
  s.train_images = tr.images;
  s.train_boxes = tr.boxes;
  s.test_images = te.images;
  s.test_boxes = te.boxes;
  const auto g = o.geometry();
  auto centers = optim::score_centers(te.boxes.unsqueeze(1), g);  // (Nte, 1, 2)
  s.test_labels = losses::gaussian_label(losses::distance_map(centers, g.output_h(), g.output_w()), label_sigma_cells(o))
                      .squeeze(1);
  // Box-head proposals around each test box.
  const int64_t n = te.boxes.size(0), P = o.proposals_per_frame;
  const bool gmm = o.proposal_sampling == "gmm";
  if (!gmm && o.proposal_sampling != "iou") {
    throw DataError("process: proposal_sampling is '" + o.proposal_sampling + "', neither iou nor gmm");
  }
  s.test_proposals = at::empty({n, P, 4});
  s.proposal_iou = at::empty({n, P});
  if (gmm) {
    s.proposal_density = at::empty({n, P});
    s.gt_density = at::empty({n, P});
  }
  std::uniform_int_distribution<size_t> pick(0, o.proposal_sigma_factors.size() - 1);
  for (int64_t i = 0; i < n; ++i) {
    auto t = te.boxes[i];
    const bbox::Box box{t[0].item<double>(), t[1].item<double>(), t[2].item<double>(), t[3].item<double>()};
    for (int64_t k = 0; k < P; ++k) {
      bbox::Box p;
      if (gmm) {
        const auto m = bbox::sample_box_gmm(box, o.gmm_components, o.gmm_gt_sigma, rng);
        p = m.box;
        s.proposal_density[i][k] = m.proposal_density;
        s.gt_density[i][k] = m.gt_density;
      } else {
        p = bbox::perturb_box(box, o.proposal_min_iou, o.proposal_sigma_factors[pick(rng)], rng).box;
      }
      s.test_proposals[i][k] = at::tensor({p.x, p.y, p.w, p.h}, at::kDouble).to(at::kFloat);
      s.proposal_iou[i][k] = 2 * bbox::iou(box, p) - 1;
    }
  }
  return s;
}

}  // namespace dimp::data
