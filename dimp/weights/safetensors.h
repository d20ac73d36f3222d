// dimp/weights/safetensors.h — read and write safetensors files: an 8-byte little-endian
// header length, a JSON header ({"name": {"dtype", "shape", "data_offsets"}, ...}) and the raw
// tensor bytes. Safe to parse: no code runs, and every offset, shape and dtype is checked
// against the file before a byte of tensor data is read.
//
//   dimp::weights::write_safetensors("model.safetensors", {{"conv.weight", w}, {"conv.bias", b}});
//   auto tensors = dimp::weights::read_safetensors("model.safetensors");   // name -> CPU tensor
#pragma once

#include <ATen/ATen.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "dimp/weights/weights_error.h"

namespace dimp::weights {

// TensorInfo: one header entry.
struct TensorInfo {
  std::string dtype;             // "F32", "F64", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL"
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;   // byte range within the data section
};

// SafetensorsHeader: the validated header of a file.
struct SafetensorsHeader {
  std::map<std::string, TensorInfo> tensors;
  std::map<std::string, std::string> metadata;
  uint64_t data_start = 0;  // file offset of the data section
};

// read_safetensors_header: parse and validate the header (names unique, dtypes known, shapes
// non-negative and consistent with their byte ranges, ranges inside the file and disjoint).
SafetensorsHeader read_safetensors_header(const std::string& path);

// read_safetensors: every tensor, as contiguous CPU tensors of the stored dtype.
std::map<std::string, at::Tensor> read_safetensors(const std::string& path);

// write_safetensors: tensors in the given order (any device/layout; stored contiguous, CPU),
// with optional string metadata. Written to a temporary file and renamed into place.
void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace dimp::weights
