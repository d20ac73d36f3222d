// NanoDet-g (NCHW, converted through ONNX) through the executor against TF.js's own runtime: its six
// outputs (class scores and box distributions at strides 8, 16, 32), on a synthetic image (always)
// and on a real frame (with the shared data).
#include <gtest/gtest.h>

#include <iostream>

#include "backbones/tfjs/graph_model.h"
#include "backbones/tfjs/model_files.h"
#include "backbones/tfjs/testing/reference_test_support.h"
#include "backbones/tfjs/testing/tfjs_reference.h"
#include "tests/testing.h"

namespace dimp::backbones::tfjs {
namespace {

const std::vector<std::string> kOutputs = {"Identity",   "Identity_1", "Identity_2",
                                           "Identity_3", "Identity_4", "Identity_5"};
constexpr double kTolerance = 1e-4;

// nanodet_input: (1, H, W, 3) RGB 0..255 to NanoDet's (1, 3, H, W) BGR, (x - mean) / std.
at::Tensor nanodet_input(const at::Tensor& rgb) {
  const auto opts = at::TensorOptions().dtype(at::kFloat);
  const at::Tensor mean = at::tensor({103.53, 116.28, 123.675}, opts).view({1, 3, 1, 1});
  const at::Tensor std = at::tensor({57.375, 57.12, 58.395}, opts).view({1, 3, 1, 1});
  const at::Tensor bgr = rgb.permute({0, 3, 1, 2}).flip(1);
  return ((bgr - mean) / std).contiguous();
}

// compare: every output of ours against TF.js; returns ours.
std::vector<at::Tensor> compare(const at::Tensor& input, const std::string& what) {
  const std::string path = find_model_file(kNanoDetModel);
  GraphModelOptions options;
  options.precision = Precision::kFloat32;
  const GraphModel net = GraphModel::load(path, options);
  const std::vector<at::Tensor> ours = net.run({{"input_1", input}}, kOutputs);
  const auto ref = run_tfjs_reference(path, {{"input_1", input}}, kOutputs);
  for (size_t k = 0; k < kOutputs.size(); ++k) {
    const at::Tensor& theirs = ref.at(kOutputs[k]);
    EXPECT_EQ(ours[k].sizes(), theirs.sizes()) << kOutputs[k];
    if (ours[k].sizes() != theirs.sizes()) continue;
    const double err = max_relative_error(ours[k], theirs);
    std::cout << what << ": " << kOutputs[k] << " " << ours[k].sizes() << " max relative error " << err << "\n";
    EXPECT_LT(err, kTolerance) << kOutputs[k];
  }
  return ours;
}

TEST(NanoDetReference, MatchesTfjsOnASyntheticImage) {
  const auto out = compare(nanodet_input(synthetic_image(416, 416)), "synthetic");
  EXPECT_EQ(out[0].sizes(), (std::vector<int64_t>{1, 2704, 80}));
}

TEST(NanoDetReference, MatchesTfjsOnARealFrame) {
  DIMP_REQUIRE_DATA(data);
  const auto out = compare(nanodet_input(scaled_frame(data + "/otb/Crossing/img/0001.jpg", 416, 416)), "Crossing/0001");
  // The frame shows walking people: some cell is confident of COCO class 0 (person).
  double person = 0;
  for (int k = 0; k < 3; ++k) person = std::max(person, out[k].select(2, 0).max().item<double>());
  std::cout << "Crossing/0001: highest person score " << person << "\n";
  EXPECT_GT(person, 0.3);
}

}  // namespace
}  // namespace dimp::backbones::tfjs
