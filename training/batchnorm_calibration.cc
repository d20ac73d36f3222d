#include "training/batchnorm_calibration.h"

#include <ATen/ATen.h>
#include <torch/nn/modules/batchnorm.h>

#include <random>
#include <stdexcept>
#include <vector>

#include "data/processing.h"
#include "data/synthetic.h"

namespace dimp::training {
namespace {

// CalibrationBatch: train and test patches of every sample, the train targets (boxes in patch
// pixels) and IoU-Net proposals on the test patches.
struct CalibrationBatch {
  at::Tensor train_images, train_boxes, test_images, test_proposals;
};

CalibrationBatch synthetic_batch(const CalibrationOptions& o) {
  if (o.sequences < 2 || o.sequences > 64 || o.frames_per_set < 1 || o.frames_per_set > 8) {
    throw std::invalid_argument("calibrate_batchnorm: sequences must be in [2, 64] and frames_per_set in [1, 8]");
  }
  std::mt19937_64 rng(o.seed);
  const data::ProcessingOptions processing;  // the reference's training settings: 288 x 288 patches
  std::vector<at::Tensor> train_images, train_boxes, test_images, test_proposals;
  for (int s = 0; s < o.sequences; ++s) {
    data::SyntheticOptions so;
    so.width = 320;
    so.height = 240;
    so.frames = 60;
    so.seed = o.seed * 1000 + static_cast<uint64_t>(s);
    const data::SyntheticScene scene(so);
    // Train frames from the first half, test frames from the second, as the sampler would.
    std::uniform_int_distribution<int> first(0, so.frames / 2 - 1), second(so.frames / 2, so.frames - 1);
    std::vector<at::Tensor> tr, te;
    std::vector<bbox::Box> tr_boxes, te_boxes;
    for (int i = 0; i < o.frames_per_set; ++i) {
      const int a = first(rng), b = second(rng);
      tr.push_back(scene.render(a));
      tr_boxes.push_back(scene.box(a));
      te.push_back(scene.render(b));
      te_boxes.push_back(scene.box(b));
    }
    const data::TrainingSample sample = data::process(tr, tr_boxes, te, te_boxes, processing, rng);
    train_images.push_back(sample.train_images);
    train_boxes.push_back(sample.train_boxes);
    test_images.push_back(sample.test_images);
    test_proposals.push_back(sample.test_proposals);
  }
  return {at::cat(train_images), at::cat(train_boxes), at::cat(test_images), at::cat(test_proposals)};
}

// to_floating: every floating-point parameter and buffer to `type` (Module::to would convert
// the BatchNorms' integer counters too).
void to_floating(DiMPNetImpl& net, at::ScalarType type) {
  for (auto& t : net.parameters()) t.set_data(t.data().to(type));
  for (auto& t : net.buffers()) {
    if (at::isFloatingType(t.scalar_type())) t.set_data(t.data().to(type));
  }
}

std::vector<torch::nn::BatchNorm2dImpl*> batchnorms(DiMPNetImpl& net) {
  std::vector<torch::nn::BatchNorm2dImpl*> out;
  for (const auto& m : net.modules(/*include_self=*/false)) {
    if (auto* bn = dynamic_cast<torch::nn::BatchNorm2dImpl*>(m.get())) out.push_back(bn);
  }
  return out;
}

}  // namespace

void calibrate_batchnorm(DiMPNetImpl& net, const CalibrationOptions& options) {
  const CalibrationBatch batch = synthetic_batch(options);
  at::NoGradGuard no_grad;
  const auto bns = batchnorms(net);
  std::vector<c10::optional<double>> momenta;
  for (auto* bn : bns) {
    momenta.push_back(bn->options.momentum());
    bn->options.momentum(1.0);  // the running statistics become this pass's batch statistics
  }
  const bool was_training = net.is_training();
  // Double precision: the statistics are exact to far below float's resolution, so rounding
  // them to float gives the same bits whatever the BLAS kernels' summation order.
  to_floating(net, at::kDouble);
  net.train(true);
  try {
    auto train = net.backbone(net.normalize(batch.train_images).to(at::kDouble));
    auto test = net.backbone(net.normalize(batch.test_images).to(at::kDouble));
    net.classification_features(at::cat({train.at("layer3"), test.at("layer3")}));
    auto mod = net.bb_regressor->modulation(train.at("layer2"), train.at("layer3"), batch.train_boxes.to(at::kDouble));
    auto feat = net.bb_regressor->iou_features(test.at("layer2"), test.at("layer3"));
    // Each test patch is modulated by its own sample's first train frame.
    const int64_t per = options.frames_per_set;
    auto first = at::arange(options.sequences, at::kLong).mul(per).repeat_interleave(per);
    bbox::IoUModulation rep{mod.layer2.index_select(0, first), mod.layer3.index_select(0, first)};
    net.bb_regressor->predict_iou(rep, feat, batch.test_proposals.to(at::kDouble));
  } catch (...) {
    to_floating(net, at::kFloat);
    throw;
  }
  to_floating(net, at::kFloat);
  net.train(was_training);
  for (size_t i = 0; i < bns.size(); ++i) bns[i]->options.momentum(momenta[i]);
}

DiMPNet seeded_calibrated_net(const std::string& arch, uint64_t seed) {
  if (arch != "dimp18" && arch != "dimp50") {
    throw std::invalid_argument("seeded_calibrated_net: unknown architecture '" + arch + "' (dimp18, dimp50)");
  }
  at::manual_seed(seed);
  DiMPNet net(arch == "dimp18" ? DiMPNetConfig::dimp18() : DiMPNetConfig::dimp50());
  CalibrationOptions options;
  options.seed = seed;
  calibrate_batchnorm(*net, options);
  return net;
}

}  // namespace dimp::training
