#include "data/sampler.h"

#include <gtest/gtest.h>

#include "data/ground_truth.h"
#include "data/processing.h"

namespace dimp::data {
namespace {

// A dataset of given per-frame visibility; frames are blank images with a box in the middle.
class FakeDataset : public TrainingDataset {
 public:
  FakeDataset(std::string name, std::vector<std::vector<uint8_t>> visible, bool video = true)
      : name_(std::move(name)), video_(video) {
    for (auto& v : visible) {
      SequenceInfo info;
      info.visible = v;
      info.boxes.assign(v.size(), {100, 80, 40, 30});
      infos_.push_back(info);
    }
  }
  std::string name() const override { return name_; }
  size_t num_sequences() const override { return infos_.size(); }
  bool is_video() const override { return video_; }
  const SequenceInfo& info(size_t s) const override { return infos_.at(s); }
  at::Tensor frame(size_t, size_t) const override { return at::full({3, 240, 320}, 128, at::kByte); }

 private:
  std::string name_;
  bool video_;
  std::vector<SequenceInfo> infos_;
};

std::vector<uint8_t> visibility(int n, int hidden_from = -1, int hidden_to = -1) {
  std::vector<uint8_t> v(n, 1);
  for (int i = hidden_from; i >= 0 && i < hidden_to && i < n; ++i) v[i] = 0;
  return v;
}

TEST(SetSampler, SegmentsOfSixtyFramesWithTrainFramesFirst) {
  auto d = std::make_shared<FakeDataset>("a", std::vector<std::vector<uint8_t>>{visibility(300), visibility(80)});
  SetSampler sampler({d}, {{1.0}, 30, 3, 3});
  std::mt19937_64 rng(1);
  for (int i = 0; i < 2000; ++i) {
    FrameSet f = sampler.sample(rng);
    ASSERT_EQ(f.train.size(), 3u);
    ASSERT_EQ(f.test.size(), 3u);
    const size_t base = f.train[0];
    for (size_t t : f.train) {
      EXPECT_LE(t, base);
      EXPECT_GE(t + 30, base);  // first half: [base − 30, base]
    }
    for (size_t t : f.test) {
      EXPECT_GT(t, base);       // second half: (base, base + 30)
      EXPECT_LT(t, base + 30);
    }
  }
}

TEST(SetSampler, InvisibleFramesAreNeverDrawnAndTheGapGrowsAroundThem) {
  // Frames 100..179 hidden: segments reaching into them widen until visible frames are found.
  auto d = std::make_shared<FakeDataset>("a", std::vector<std::vector<uint8_t>>{visibility(300, 100, 180)});
  SetSampler sampler({d}, {{1.0}, 30, 3, 3});
  std::mt19937_64 rng(5);
  bool widened = false;
  for (int i = 0; i < 3000; ++i) {
    FrameSet f = sampler.sample(rng);
    for (size_t t : f.train) EXPECT_FALSE(t >= 100 && t < 180) << t;
    for (size_t t : f.test) {
      EXPECT_FALSE(t >= 100 && t < 180) << t;
      EXPECT_GT(t, f.train[0]);
      widened = widened || t >= f.train[0] + 30;
    }
  }
  EXPECT_TRUE(widened);
}

TEST(SetSampler, DatasetsAreDrawnByWeight) {
  auto a = std::make_shared<FakeDataset>("a", std::vector<std::vector<uint8_t>>{visibility(60)});
  auto b = std::make_shared<FakeDataset>("b", std::vector<std::vector<uint8_t>>{visibility(60)});
  SetSampler sampler({a, b}, {{3.0, 1.0}, 30, 3, 3});
  std::mt19937_64 rng(2);
  int from_a = 0;
  const int n = 8000;
  for (int i = 0; i < n; ++i) from_a += sampler.sample(rng).dataset == 0;
  // Binomial(8000, 0.75): standard deviation 0.0048; allow 4 of them.
  EXPECT_NEAR(from_a / static_cast<double>(n), 0.75, 0.02);
}

TEST(SetSampler, ImageDatasetsRepeatTheirFrameAndBadSetupsAreRefused) {
  auto images = std::make_shared<FakeDataset>("coco", std::vector<std::vector<uint8_t>>{{1}, {1}}, /*video=*/false);
  SetSampler sampler({images}, {{}, 30, 3, 3});
  std::mt19937_64 rng(3);
  auto f = sampler.sample(rng);
  EXPECT_EQ(f.train, (std::vector<size_t>{0, 0, 0}));
  EXPECT_EQ(f.test, (std::vector<size_t>{0, 0, 0}));
  EXPECT_THROW(SetSampler({images}, {{1.0, 2.0}, 30, 3, 3}), DataError);
  EXPECT_THROW(SetSampler({}, {}), DataError);
  auto hidden = std::make_shared<FakeDataset>("h", std::vector<std::vector<uint8_t>>{visibility(60, 0, 60)});
  EXPECT_THROW(SetSampler({hidden}, {{1.0}, 30, 3, 3}).sample(rng), DataError);
}

TEST(Processing, LabelsPeakAtTheTargetAndProposalIoUsAreCorrect) {
  ProcessingOptions o;
  o.center_jitter_test = 0;
  o.scale_jitter_test = 0;
  o.center_jitter_train = 0;
  o.scale_jitter_train = 0;
  o.brightness_jitter = 0;
  o.grayscale_probability = 0;
  std::mt19937_64 rng(4);
  const bbox::Box box{100, 80, 40, 30};
  auto frame = at::randint(0, 255, {3, 240, 320}).to(at::kByte);
  auto s = process({frame, frame}, {box, box}, {frame}, {box}, o, rng);
  ASSERT_EQ(s.train_images.sizes(), (at::IntArrayRef{2, 3, 288, 288}));
  ASSERT_EQ(s.test_labels.sizes(), (at::IntArrayRef{1, 19, 19}));
  // Without jitter the target is centred and spans 288/5 pixels (its sqrt-area).
  const auto tb = s.test_boxes[0];
  EXPECT_NEAR((tb[0] + tb[2] / 2).item<float>(), 144, 0.6);
  EXPECT_NEAR(std::sqrt((tb[2] * tb[3]).item<float>()), 288 / 5.0, 0.5);
  // The label's peak: score cell 9 (the centre of a 288 patch with a 4x4 filter), value 1.
  const int64_t peak = s.test_labels[0].argmax().item<int64_t>();
  EXPECT_EQ(peak / 19, 9);
  EXPECT_EQ(peak % 19, 9);
  EXPECT_NEAR(s.test_labels[0].max().item<float>(), 1.0f, 0.05f);
  // σ = 1/4 of the target's size on the score grid: 0.25 · 288/5/16 = 0.9 cells.
  EXPECT_NEAR(label_sigma_cells(o), 0.9, 1e-12);
  // Proposals: their stored IoU is 2·IoU − 1 with the test box, and above the minimum.
  for (int64_t k = 0; k < s.test_proposals.size(1); ++k) {
    auto p = s.test_proposals[0][k];
    const double iou = bbox::iou({p[0].item<double>(), p[1].item<double>(), p[2].item<double>(), p[3].item<double>()},
                                 {tb[0].item<double>(), tb[1].item<double>(), tb[2].item<double>(), tb[3].item<double>()});
    EXPECT_NEAR(s.proposal_iou[0][k].item<float>(), 2 * iou - 1, 1e-5) << k;
    EXPECT_GT(iou, o.proposal_min_iou - 1e-6);
  }
}

TEST(Processing, MixtureProposalsCarryTheirDensities) {
  ProcessingOptions o;
  o.proposal_sampling = "gmm";
  o.proposals_per_frame = 64;
  std::mt19937_64 rng(9);
  const bbox::Box box{100, 80, 40, 30};
  auto frame = at::randint(0, 255, {3, 240, 320}).to(at::kByte);
  auto s = process({frame}, {box}, {frame, frame}, {box, box}, o, rng);
  ASSERT_EQ(s.test_proposals.sizes(), (at::IntArrayRef{2, 64, 4}));
  ASSERT_EQ(s.proposal_density.sizes(), (at::IntArrayRef{2, 64}));
  ASSERT_EQ(s.gt_density.sizes(), (at::IntArrayRef{2, 64}));
  for (int64_t i = 0; i < 2; ++i) {
    auto tb = s.test_boxes[i];
    const bbox::Box t{tb[0].item<double>(), tb[1].item<double>(), tb[2].item<double>(), tb[3].item<double>()};
    for (int64_t k = 0; k < 64; ++k) {
      auto p = s.test_proposals[i][k];
      const bbox::Box b{p[0].item<double>(), p[1].item<double>(), p[2].item<double>(), p[3].item<double>()};
      const auto y = bbox::relative_offset(t, b);
      const double q = bbox::box_gmm_density(y, o.gmm_components);
      const double g = bbox::box_gmm_density(y, {o.gmm_gt_sigma});
      EXPECT_NEAR(s.proposal_density[i][k].item<float>(), q, 1e-3 * q + 1e-30) << i << "," << k;
      EXPECT_NEAR(s.gt_density[i][k].item<float>(), g, 1e-3 * g + 1e-30) << i << "," << k;
      EXPECT_NEAR(s.proposal_iou[i][k].item<float>(), 2 * bbox::iou(t, b) - 1, 1e-5);
    }
  }
  // DiMP's sampling leaves the densities out, and a batch of such samples does too.
  o.proposal_sampling = "iou";
  auto d = process({frame}, {box}, {frame}, {box}, o, rng);
  EXPECT_FALSE(d.proposal_density.defined());
  o.proposal_sampling = "gaussian";
  EXPECT_THROW(process({frame}, {box}, {frame}, {box}, o, rng), DataError);
}

}  // namespace
}  // namespace dimp::data
