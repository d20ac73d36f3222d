// dimp/weights/byte_source.h — random-access, read-only bytes of a file or a memory buffer,
// with every read checked against the size: the input of the ZIP, pickle and checkpoint
// readers, which must never trust an offset they found in the data.
//
//   auto src = dimp::weights::open_file_source("dimp50.pth");
//   char magic[4];
//   src->read(0, magic, 4);   // throws WeightsError naming the file when out of range
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "dimp/weights/weights_error.h"

namespace dimp::weights {

// ByteSource: a fixed-size sequence of bytes with a name for error messages. Reads are
// const and independent of each other (no cursor), so one source can serve several readers.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  const std::string& name() const { return name_; }
  uint64_t size() const { return size_; }
  // contains: whether [offset, offset + n) lies inside the source (no overflow).
  bool contains(uint64_t offset, uint64_t n) const { return offset <= size_ && n <= size_ - offset; }
  // read: exactly n bytes at offset; WeightsError when the range is not inside the source or
  // the file cannot be read. Callers check ranges themselves first to give a precise message.
  void read(uint64_t offset, void* out, uint64_t n) const;

 protected:
  ByteSource(std::string name, uint64_t size) : name_(std::move(name)), size_(size) {}
  virtual void read_impl(uint64_t offset, void* out, uint64_t n) const = 0;

 private:
  std::string name_;
  uint64_t size_;
};

// open_file_source: a regular file, read with pread (no mapping: a file truncated while it is
// read gives an error, not a signal). WeightsError when it cannot be opened or is not a file.
std::shared_ptr<const ByteSource> open_file_source(const std::string& path);

// memory_source: bytes held in memory (the fuzzing and test entry points).
std::shared_ptr<const ByteSource> memory_source(std::string bytes, std::string name);

}  // namespace dimp::weights
