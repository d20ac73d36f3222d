// dimp/weights/torch_checkpoint.h — the state dict of a PyTorch checkpoint (torch.save's zip
// format, or the legacy pre-1.6 stream of pickles) without Python and without running any
// code from the file: the pickles are read by the restricted machine of pickle_reader.h,
// tensors are rebuilt only from torch._utils._rebuild_tensor(_v2) / _rebuild_parameter with
// their storage, offset, sizes and strides checked against the stored bytes.
//
//   auto ckpt = dimp::weights::read_torch_checkpoint("dimp50.pth");   // pytracking's weights
//   for (const auto& [name, t] : ckpt.tensors) std::printf("%s %s\n", name.c_str(), toString(t.scalar_type()));
//   std::printf("epoch %s\n", ckpt.info["epoch"].c_str());
#pragma once

#include <ATen/ATen.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dimp/weights/byte_source.h"
#include "dimp/weights/weights_error.h"

namespace dimp::weights {

// TorchCheckpoint: what a checkpoint holds that we use.
struct TorchCheckpoint {
  // tensors: the state dict, in the file's order, each a contiguous CPU tensor of the stored dtype.
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  // info: "epoch", "net_type", "actor_type" from the top-level dict when they are plain
  // integers or strings (pytracking's checkpoints), as text.
  std::map<std::string, std::string> info;
  // format: "zip" or "legacy".
  std::string format;
};

// read_torch_checkpoint: the state dict under the checkpoint's 'net' key (pytracking), or the
// top-level dict when it is itself a dict of tensors. Refuses, with a WeightsError naming the
// file and the fault: files whose pickles name globals that exist to run code (see
// pickle::refused_global), a 'net' entry that is not a tensor (a placeholder, a payload),
// storages or views outside the stored bytes, and any malformed structure. Other globals
// (pytracking's own classes, unknown functions) are left inert and ignored outside 'net'.
TorchCheckpoint read_torch_checkpoint(const std::string& path);

// read_torch_checkpoint_bytes: the same from bytes in memory; `name` stands for the file in
// messages (the fuzzing entry point).
TorchCheckpoint read_torch_checkpoint_bytes(const std::string& bytes, const std::string& name);

// read_torch_checkpoint: the same from any source.
TorchCheckpoint read_torch_checkpoint(const std::shared_ptr<const ByteSource>& source);

// kMaxTensorBytesPerFileByte: the returned tensors may hold at most this many bytes per byte
// of the file (plus kMaxTensorBytesSlack): views that repeat a storage (stride 0, several
// names for one storage) cannot make a small file allocate without bound.
constexpr uint64_t kMaxTensorBytesPerFileByte = 4;
constexpr uint64_t kMaxTensorBytesSlack = uint64_t{1} << 20;

}  // namespace dimp::weights
