#include "backbones/resnet.h"

#include <ATen/ops/mkldnn_convolution.h>
#include <ATen/ops/mkldnn_reorder_conv2d_weight.h>

#include <algorithm>
#include <stdexcept>

namespace dimp::backbones {
namespace {

// oneDNN's bfloat16 convolutions need AVX-512 (BW, VL, DQ) on x86, as LibTorch's own check.
bool onednn_bfloat16_available() {
#if defined(__x86_64__)
  static const bool ok = at::hasMKLDNN() && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
                         __builtin_cpu_supports("avx512dq");
  return ok;
#else
  return false;
#endif
}

torch::nn::Conv2d conv(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t pad) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, k).stride(stride).padding(pad).bias(false));
}

}  // namespace

at::Tensor FoldedConv::operator()(const at::Tensor& x) const {
  if (packed.defined()) {
    TORCH_CHECK(x.is_mkldnn(), "FoldedConv: a packed convolution takes oneDNN tensors (to_onednn)");
    return at::mkldnn_convolution(x, packed, bias, {padding, padding}, {stride, stride}, {1, 1}, 1);
  }
  return at::conv2d(x.to(weight.scalar_type()), weight, bias, stride, padding);
}

at::Tensor to_onednn(const at::Tensor& x) { return x.is_mkldnn() ? x : x.contiguous().to_mkldnn(at::kBFloat16); }

at::Tensor from_onednn(const at::Tensor& x) {
  return x.is_mkldnn() ? x.to_dense().contiguous(at::MemoryFormat::ChannelsLast) : x;
}

FoldedConv fold(const torch::nn::Conv2dImpl& c, const torch::nn::BatchNorm2dImpl& bn, at::ScalarType compute) {
  at::NoGradGuard ng;
  auto scale = bn.weight / (bn.running_var + bn.options.eps()).sqrt();
  FoldedConv f;
  f.weight = (c.weight * scale.view({-1, 1, 1, 1})).contiguous(c.weight.suggest_memory_format());
  f.bias = bn.bias - bn.running_mean * scale;
  if (c.bias.defined()) f.bias = f.bias + c.bias * scale;
  f.stride = c.options.stride()->at(0);
  f.padding = c.weight.size(-1) / 2;  // every ResNet conv pads to keep "same" alignment
  if (compute == at::kBFloat16 && f.weight.is_cpu() && onednn_bfloat16_available()) {
    // oneDNN takes a float bias with bfloat16 data (accumulation is in float anyway).
    f.packed = at::mkldnn_reorder_conv2d_weight(f.weight.contiguous().to_mkldnn(at::kBFloat16), {f.padding, f.padding},
                                                {f.stride, f.stride}, {1, 1}, 1);
  } else {
    f.bias = f.bias.to(compute);
  }
  f.weight = f.weight.to(compute);  // (keeps the memory format)
  return f;
}

ResidualBlockImpl::ResidualBlockImpl(int64_t in, int64_t planes, int64_t stride, bool bottleneck)
    : bottleneck_(bottleneck), out_channels_(bottleneck ? planes * 4 : planes) {
  if (bottleneck) {
    conv1 = register_module("conv1", conv(in, planes, 1, 1, 0));
    bn1 = register_module("bn1", torch::nn::BatchNorm2d(planes));
    conv2 = register_module("conv2", conv(planes, planes, 3, stride, 1));
    bn2 = register_module("bn2", torch::nn::BatchNorm2d(planes));
    conv3 = register_module("conv3", conv(planes, planes * 4, 1, 1, 0));
    bn3 = register_module("bn3", torch::nn::BatchNorm2d(planes * 4));
  } else {
    conv1 = register_module("conv1", conv(in, planes, 3, stride, 1));
    bn1 = register_module("bn1", torch::nn::BatchNorm2d(planes));
    conv2 = register_module("conv2", conv(planes, planes, 3, 1, 1));
    bn2 = register_module("bn2", torch::nn::BatchNorm2d(planes));
  }
  if (stride != 1 || in != out_channels_) {
    downsample = register_module("downsample", torch::nn::Sequential(conv(in, out_channels_, 1, stride, 0),
                                                                      torch::nn::BatchNorm2d(out_channels_)));
  }
}

void ResidualBlockImpl::fold_batchnorm(at::ScalarType compute) {
  folded_.clear();
  folded_.push_back(fold(*conv1, *bn1, compute));
  folded_.push_back(fold(*conv2, *bn2, compute));
  if (bottleneck_) folded_.push_back(fold(*conv3, *bn3, compute));
  if (downsample) {
    folded_.push_back(fold(*std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(downsample->ptr(0)),
                           *std::dynamic_pointer_cast<torch::nn::BatchNorm2dImpl>(downsample->ptr(1)), compute));
  }
}

at::Tensor ResidualBlockImpl::forward(const at::Tensor& x_in) {
  if (!folded_.empty() && !is_training()) {
    const bool convert = folded_[0].is_packed() && !x_in.is_mkldnn();  // dense in, dense out
    const at::Tensor x = convert ? to_onednn(x_in) : x_in;
    at::Tensor out = folded_[0](x).relu_();
    if (bottleneck_) {
      out = folded_[1](out).relu_();
      out = folded_[2](out);
    } else {
      out = folded_[1](out);
    }
    const at::Tensor identity = downsample ? folded_.back()(x) : x;
    out = out.add_(identity).relu_();
    return convert ? from_onednn(out) : out;
  }
  const at::Tensor& x = x_in;
  at::Tensor out = bn1(conv1(x)).relu();
  if (bottleneck_) {
    out = bn2(conv2(out)).relu();
    out = bn3(conv3(out));
  } else {
    out = bn2(conv2(out));
  }
  const at::Tensor identity = downsample ? downsample->forward(x) : x;
  return (out + identity).relu();
}

ResNetImpl::ResNetImpl(ResNetOptions options) : options_(options) {
  if (options.depth != 18 && options.depth != 50) {
    throw std::invalid_argument("ResNet: depth must be 18 or 50, got " + std::to_string(options.depth));
  }
  const bool bottleneck = options.depth == 50;
  const std::vector<int> blocks = bottleneck ? std::vector<int>{3, 4, 6, 3} : std::vector<int>{2, 2, 2, 2};
  conv1 = register_module("conv1", conv(3, 64, 7, 2, 3));
  bn1 = register_module("bn1", torch::nn::BatchNorm2d(64));
  int64_t in = 64;
  torch::nn::Sequential* layers[] = {&layer1, &layer2, &layer3, &layer4};
  for (int l = 0; l < 4; ++l) {
    const int64_t planes = 64 << l;
    torch::nn::Sequential seq;
    for (int b = 0; b < blocks[l]; ++b) {
      ResidualBlock block(in, planes, (b == 0 && l > 0) ? 2 : 1, bottleneck);
      in = block->out_channels();
      seq->push_back(block);
    }
    *layers[l] = register_module("layer" + std::to_string(l + 1), seq);
  }
  fc = register_module("fc", torch::nn::Linear(in, 1000));
}

int64_t ResNetImpl::out_channels(const std::string& layer) const {
  const int64_t e = options_.depth == 50 ? 4 : 1;
  if (layer == "conv1") return 64;
  if (layer == "layer1") return 64 * e;
  if (layer == "layer2") return 128 * e;
  if (layer == "layer3") return 256 * e;
  if (layer == "layer4") return 512 * e;
  throw std::invalid_argument("ResNet: unknown layer '" + layer + "' (conv1, layer1 .. layer4)");
}

void ResNetImpl::fold_batchnorm(at::ScalarType compute) {
  folded_stem_ = {fold(*conv1, *bn1, compute)};
  for (auto* layer : {&layer1, &layer2, &layer3, &layer4}) {
    for (auto& m : (*layer)->children()) std::dynamic_pointer_cast<ResidualBlockImpl>(m)->fold_batchnorm(compute);
  }
}

void ResNetImpl::unfold() {
  folded_stem_.clear();
  for (auto* layer : {&layer1, &layer2, &layer3, &layer4}) {
    for (auto& m : (*layer)->children()) std::dynamic_pointer_cast<ResidualBlockImpl>(m)->unfold();
  }
}

void ResNetImpl::train(bool on) {
  if (on) unfold();
  torch::nn::Module::train(on);
}

std::map<std::string, at::Tensor> ResNetImpl::forward(const at::Tensor& x_in, const std::vector<std::string>& wanted) {
  TORCH_CHECK(x_in.dim() == 4 && x_in.size(1) == 3, "ResNet: input must be (B, 3, H, W), got ", x_in.sizes());
  for (const auto& w : wanted) out_channels(w);  // validates the names
  std::map<std::string, at::Tensor> out;
  auto want = [&](const std::string& n) { return std::find(wanted.begin(), wanted.end(), n) != wanted.end(); };
  auto done = [&] { return out.size() == wanted.size(); };
  const bool folded = !folded_stem_.empty() && !is_training();
  const bool packed = folded && folded_stem_[0].is_packed();  // oneDNN tensors from stem to outputs
  auto keep = [&](const char* name, const at::Tensor& t) { out[name] = packed ? from_onednn(t) : t; };
  at::Tensor x = folded ? folded_stem_[0](packed ? to_onednn(x_in) : x_in).relu_() : bn1(conv1(x_in)).relu();
  if (want("conv1")) keep("conv1", x);
  if (done()) return out;
  x = at::max_pool2d(x, {3, 3}, {2, 2}, {1, 1});
  const char* names[] = {"layer1", "layer2", "layer3", "layer4"};
  torch::nn::Sequential* layers[] = {&layer1, &layer2, &layer3, &layer4};
  for (int l = 0; l < 4; ++l) {
    x = (*layers[l])->forward(x);
    if (want(names[l])) keep(names[l], x);
    if (done()) return out;
  }
  return out;
}

}  // namespace dimp::backbones
