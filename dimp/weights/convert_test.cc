// Converting PyTorch checkpoints: the state dict written as safetensors with its metadata,
// checked against a module (every missing, unexpected and mis-shaped name listed, nothing
// written), never over the input, and over an existing output only when allowed.
#include "dimp/weights/convert.h"

#include <gtest/gtest.h>

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>

#include <filesystem>

#include "dimp/weights/safetensors.h"
#include "dimp/weights/state_dict.h"
#include "dimp/weights/test_support.h"
#include "dimp/weights/torch_checkpoint.h"
#include "tests/testing.h"

namespace dimp::weights {
namespace {

namespace fs = std::filesystem;

#define EXPECT_HAS(msg, needle) EXPECT_NE((msg).find(needle), std::string::npos) << "'" << (needle) << "' not in: " << (msg)

// The seed corpus's tiny checkpoint: Conv2d(1, 2, 3), BatchNorm2d(2) and a bool buffer 'mask'.
struct TinyImpl : torch::nn::Module {
  explicit TinyImpl(int64_t kernel = 3, bool with_bn = true) {
    conv = register_module("conv", torch::nn::Conv2d(1, 2, kernel));
    if (with_bn) bn = register_module("bn", torch::nn::BatchNorm2d(2));
    register_buffer("mask", at::zeros({3}, at::kBool));
  }
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
};

// A copy of the corpus checkpoint in a fresh folder.
std::string tiny_checkpoint(const std::string& dir) {
  auto root = dimp::testing::source_root();
  const std::string src = (root ? *root : std::string(".")) + "/dimp/weights/fuzz/corpus/checkpoint/valid_zip.pth";
  const std::string dst = dir + "/tiny.pth";
  testing::write_file(dst, testing::read_file(src));
  return dst;
}

std::string error_of(const std::string& in, const std::string& out, const ConvertOptions& o = {}) {
  try {
    convert_torch_checkpoint(in, out, o);
  } catch (const WeightsError& e) {
    return e.what();
  }
  ADD_FAILURE() << "converted " << in << " to " << out;
  return "";
}

TEST(ConvertTorchCheckpoint, WritesTheStateDictWithMetadata) {
  const std::string dir = testing::unique_temp_dir("convert");
  const std::string in = tiny_checkpoint(dir), out = dir + "/tiny.safetensors";
  TinyImpl module;
  ConvertOptions o;
  o.check_against = &module;
  o.arch = "tiny";
  const ConvertResult r = convert_torch_checkpoint(in, out, o);
  EXPECT_EQ(r.tensors, 8u);
  EXPECT_EQ(r.float_values, 18 + 5 * 2);
  const auto header = read_safetensors_header(out);
  EXPECT_EQ(header.metadata, (std::map<std::string, std::string>{{"source", "tiny.pth"},
                                                                 {"format", "pytracking-state-dict"},
                                                                 {"arch", "tiny"},
                                                                 {"epoch", "12"},
                                                                 {"net_type", "TinyNet"},
                                                                 {"actor_type", "TinyActor"}}));
  EXPECT_EQ(header.metadata, r.metadata);
  const auto written = read_safetensors(out);
  const TorchCheckpoint ckpt = read_torch_checkpoint(in);
  ASSERT_EQ(written.size(), ckpt.tensors.size());
  for (const auto& [name, t] : ckpt.tensors) EXPECT_TRUE(at::equal(written.at(name), t)) << name;
  load_module(module, out);
  EXPECT_TRUE(at::equal(module.conv->weight, at::arange(18, at::kFloat).view({2, 1, 3, 3}) / 4));
  EXPECT_TRUE(at::equal(module.bn->running_var, at::tensor({4.f, 9.f})));
}

TEST(ConvertTorchCheckpoint, NeverOverwritesTheInputAndAnOutputOnlyWhenAllowed) {
  const std::string dir = testing::unique_temp_dir("convert");
  const std::string in = tiny_checkpoint(dir), out = dir + "/out.safetensors";
  const std::string original = testing::read_file(in);
  testing::write_file(out, "precious");
  EXPECT_HAS(error_of(in, out), "the output exists");
  EXPECT_EQ(testing::read_file(out), "precious");
  ConvertOptions overwrite;
  overwrite.overwrite = true;
  convert_torch_checkpoint(in, out, overwrite);
  EXPECT_EQ(read_safetensors(out).size(), 8u);
  // The input under its own name, another spelling, a hard link, or as the temporary file.
  for (const std::string& same : {in, dir + "/./tiny.pth"}) {
    EXPECT_HAS(error_of(in, same, overwrite), "the output would overwrite the input");
  }
  fs::create_hard_link(in, dir + "/link.pth");
  EXPECT_HAS(error_of(in, dir + "/link.pth", overwrite), "the output would overwrite the input");
  fs::copy_file(in, dir + "/x.partial");
  EXPECT_HAS(error_of(dir + "/x.partial", dir + "/x", overwrite), "the output would overwrite the input");
  EXPECT_EQ(testing::read_file(in), original);
  // An unreadable input writes nothing.
  EXPECT_HAS(error_of(dir + "/missing.pth", dir + "/missing.safetensors"), "cannot be opened");
  EXPECT_FALSE(fs::exists(dir + "/missing.safetensors"));
}

TEST(ConvertTorchCheckpoint, RefusesTensorsThatDoNotFitListingEveryName) {
  const std::string dir = testing::unique_temp_dir("convert");
  const std::string in = tiny_checkpoint(dir), out = dir + "/tiny.safetensors";
  TinyImpl module(/*kernel=*/5, /*with_bn=*/false);
  module.register_parameter("extra", at::zeros({4}));
  ConvertOptions o;
  o.check_against = &module;
  o.arch = "tiny5";
  const std::string msg = error_of(in, out, o);
  EXPECT_HAS(msg, "the checkpoint does not fit tiny5");
  EXPECT_HAS(msg, "1 missing tensor(s):\n  extra");
  EXPECT_HAS(msg, "4 unexpected tensor(s):\n  bn.bias\n  bn.running_mean\n  bn.running_var\n  bn.weight");
  EXPECT_HAS(msg, "1 mis-shaped tensor(s):\n  conv.weight: file [2, 1, 3, 3] Float vs model [2, 1, 5, 5] Float");
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace dimp::weights
