// The TF.js CenterNet's MobileNetV3 backbone (backbones/tfjs) to its stride-16 features
// (expanded_conv_12's expansion, 528 channels), as a tracker runs it every frame on its search
// crop: 288x288, 256x256 and 224x224 inputs, float32 and bfloat16 convolutions (bfloat16 where
// the CPU runs oneDNN's bfloat16 convolutions: AVX-512). The model is loaded and the input made
// before the timed loop; the first run (plan, oneDNN primitives) is not timed.
// Measure as the tracker runs: DIMP_THREADS=1 bazel run //benchmarks:tfjs_backbone_benchmark
#include <ATen/ATen.h>
#include <benchmark/benchmark.h>

#include <map>
#include <memory>

#include "backbones/tfjs/convolution.h"
#include "backbones/tfjs/graph_model.h"
#include "backbones/tfjs/model_files.h"

namespace {

using dimp::backbones::tfjs::GraphModel;
using dimp::backbones::tfjs::Precision;

constexpr const char* kStride16 = "tower_0/MobilenetV3/expanded_conv_12/expand/hard_swish/mul_1";

const GraphModel& model(Precision p) {
  static std::map<Precision, std::unique_ptr<GraphModel>> models;
  auto& m = models[p];
  if (!m) {
    dimp::backbones::tfjs::GraphModelOptions options;
    options.precision = p;
    m = std::make_unique<GraphModel>(
        GraphModel::load(dimp::backbones::tfjs::find_model_file(dimp::backbones::tfjs::kCenterNetModel), options));
  }
  return *m;
}

void run(benchmark::State& state, Precision precision) {
  const int64_t size = state.range(0);
  if (precision == Precision::kBFloat16 && !dimp::backbones::tfjs::onednn_bfloat16_available()) {
    state.SkipWithError("this CPU has no oneDNN bfloat16 convolutions (AVX-512)");
    return;
  }
  const GraphModel& net = model(precision);
  const std::map<std::string, at::Tensor> inputs{{"tower_0/images", at::rand({1, size, size, 3}) * 255}};
  const std::vector<std::string> outputs{kStride16};
  benchmark::DoNotOptimize(net.run(inputs, outputs));  // warm-up: the plan, oneDNN's primitives
  for (auto _ : state) benchmark::DoNotOptimize(net.run(inputs, outputs));
  state.SetItemsProcessed(state.iterations());  // frames
  state.counters["features"] = static_cast<double>(size / 16);
}

void BM_CenterNetStride16Float32(benchmark::State& state) { run(state, Precision::kFloat32); }
void BM_CenterNetStride16BFloat16(benchmark::State& state) { run(state, Precision::kBFloat16); }

BENCHMARK(BM_CenterNetStride16Float32)->Arg(288)->Arg(256)->Arg(224)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_CenterNetStride16BFloat16)->Arg(288)->Arg(256)->Arg(224)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
