// CenterNet (MobileNetV3-Large x0.75) through the executor against TF.js's own runtime: the
// detector's outputs and three backbone feature nodes, on a synthetic image (always) and on a real
// frame (with the shared data), where a person must be found on the ground-truth box.
#include <gtest/gtest.h>

#include <iostream>

#include "backbones/tfjs/graph_model.h"
#include "backbones/tfjs/model_files.h"
#include "backbones/tfjs/testing/reference_test_support.h"
#include "backbones/tfjs/testing/tfjs_reference.h"
#include "data/cv/image_io.h"
#include "data/ground_truth.h"
#include "tests/testing.h"

namespace dimp::backbones::tfjs {
namespace {

constexpr const char* kInput = "tower_0/images";
const std::vector<std::string> kMaps = {
    "tower_0/keypoints",
    "tower_0/wh",
    "tower_0/MobilenetV3/expanded_conv_12/expand/hard_swish/mul_1",  // stride 16, 528 channels
    "tower_0/MobilenetV3/expanded_conv_11/add",                      // stride 16, 88 channels
    "tower_0/MobilenetV3/expanded_conv_6/expand/hard_swish/mul_1",   // stride 8, 192 channels
};
constexpr double kTolerance = 1e-4;
// bfloat16 keeps 8 bits of mantissa: each convolution is off by ~0.3% (RMS), and MobileNetV3's
// folded-BatchNorm layers amplify it to 9-14% at strides 8 and 16 (measured); a broken layout or
// filter would be off by ~100%.
constexpr double kBFloat16Tolerance = 0.25;

// compare: every node of ours against TF.js on `image`; returns our detections. With `bfloat16`,
// the backbone's features under Precision::kBFloat16 too, against a bfloat16-sized bound.
at::Tensor compare(const at::Tensor& image, const std::string& what, bool bfloat16 = false) {
  const std::string path = find_model_file(kCenterNetModel);
  GraphModelOptions options;
  options.precision = Precision::kFloat32;
  const GraphModel net = GraphModel::load(path, options);
  std::vector<std::string> nodes = kMaps;
  nodes.insert(nodes.begin(), "tower_0/detections");
  const std::vector<at::Tensor> ours = net.run({{kInput, image}}, nodes);
  const auto ref = run_tfjs_reference(path, {{kInput, image}}, nodes);
  for (size_t k = 1; k < nodes.size(); ++k) {
    const at::Tensor& theirs = ref.at(nodes[k]);
    EXPECT_EQ(ours[k].sizes(), theirs.sizes()) << nodes[k];
    if (ours[k].sizes() != theirs.sizes()) continue;
    const double err = max_relative_error(ours[k], theirs);
    std::cout << what << ": " << nodes[k] << " " << ours[k].sizes() << " max relative error " << err << "\n";
    EXPECT_LT(err, kTolerance) << nodes[k];
  }
  const double err = expect_same_detections(ours[0], ref.at("tower_0/detections"), kTolerance);
  std::cout << what << ": tower_0/detections max relative error " << err << "\n";
  if (bfloat16) {
    options.precision = Precision::kBFloat16;
    const GraphModel bf16 = GraphModel::load(path, options);
    EXPECT_EQ(bf16.compute_type(), at::kBFloat16);
    const std::vector<std::string> features(kMaps.begin() + 2, kMaps.end());
    const std::vector<at::Tensor> low = bf16.run({{kInput, image}}, features);
    for (size_t k = 0; k < features.size(); ++k) {
      EXPECT_EQ(low[k].scalar_type(), at::kFloat);
      const at::Tensor& theirs = ref.at(features[k]);
      const double e = ((low[k] - theirs).norm() / theirs.norm()).item<double>();
      std::cout << what << " (bfloat16): " << features[k] << " relative RMS error " << e << ", max relative error "
                << max_relative_error(low[k], theirs) << "\n";
      EXPECT_LT(e, kBFloat16Tolerance) << features[k];
    }
  }
  return ours[0];
}

TEST(CenterNetReference, MatchesTfjsOnASyntheticImage) {
  const at::Tensor image = synthetic_image(512, 512);
  const at::Tensor detections = compare(image, "synthetic", /*bfloat16=*/true);
  EXPECT_GT(detections[0][0][4].item<float>(), 0.0f);
}

TEST(CenterNetReference, FindsThePersonOnARealFrame) {
  DIMP_REQUIRE_DATA(data);
  const std::string sequence = data + "/otb/Crossing";
  const at::Tensor frame = data::load_image(sequence + "/img/0001.jpg");
  const double sx = 512.0 / frame.size(2), sy = 512.0 / frame.size(1);
  const at::Tensor image = scaled_frame(sequence + "/img/0001.jpg", 512, 512);
  const at::Tensor detections = compare(image, "Crossing/0001").reshape({-1, 6});

  // The ground-truth box of frame 1 in the model's 512x512 input.
  const bbox::Box gt = data::read_rect_file(sequence + "/groundtruth_rect.txt", 1.0).at(0);
  const double gx1 = gt.x * sx, gy1 = gt.y * sy, gx2 = (gt.x + gt.w) * sx, gy2 = (gt.y + gt.h) * sy;
  double best_iou = 0, best_score = 0;
  for (int64_t i = 0; i < detections.size(0); ++i) {
    const auto d = detections[i];
    if (d[5].item<float>() != 0.0f) continue;  // COCO class 0: person
    const double x1 = d[0].item<float>(), y1 = d[1].item<float>(), x2 = d[2].item<float>(), y2 = d[3].item<float>();
    const double iw = std::max(0.0, std::min(x2, gx2) - std::max(x1, gx1));
    const double ih = std::max(0.0, std::min(y2, gy2) - std::max(y1, gy1));
    const double inter = iw * ih;
    const double iou = inter / ((x2 - x1) * (y2 - y1) + (gx2 - gx1) * (gy2 - gy1) - inter);
    if (iou > best_iou) {
      best_iou = iou;
      best_score = d[4].item<float>();
    }
  }
  std::cout << "Crossing/0001: best person detection IoU " << best_iou << " with the ground truth, score "
            << best_score << "\n";
  EXPECT_GT(best_iou, 0.5);
  EXPECT_GT(best_score, 0.3);
}

}  // namespace
}  // namespace dimp::backbones::tfjs
