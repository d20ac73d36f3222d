#include "dimp/weights/byte_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dimp::weights {
namespace {

class FileSource final : public ByteSource {
 public:
  FileSource(std::string path, int fd, uint64_t size) : ByteSource(std::move(path), size), fd_(fd) {}
  ~FileSource() override { ::close(fd_); }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

 protected:
  void read_impl(uint64_t offset, void* out, uint64_t n) const override {
    auto* p = static_cast<char*>(out);
    while (n > 0) {
      const size_t chunk = static_cast<size_t>(std::min<uint64_t>(n, uint64_t{1} << 30));
      const ssize_t got = ::pread(fd_, p, chunk, static_cast<off_t>(offset));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) throw WeightsError(name() + ": read error at byte " + std::to_string(offset) + " (" + std::strerror(errno) + ")");
      if (got == 0) throw WeightsError(name() + ": the file ended at byte " + std::to_string(offset) + " while it was read (it shrank)");
      p += got;
      offset += static_cast<uint64_t>(got);
      n -= static_cast<uint64_t>(got);
    }
  }

 private:
  int fd_;
};

class MemorySource final : public ByteSource {
 public:
  MemorySource(std::string bytes, std::string name) : ByteSource(std::move(name), bytes.size()), bytes_(std::move(bytes)) {}

 protected:
  void read_impl(uint64_t offset, void* out, uint64_t n) const override {
    if (n > 0) std::memcpy(out, bytes_.data() + offset, static_cast<size_t>(n));
  }

 private:
  std::string bytes_;
};

}  // namespace

void ByteSource::read(uint64_t offset, void* out, uint64_t n) const {
  if (!contains(offset, n)) {
    throw WeightsError(name_ + ": " + std::to_string(n) + " bytes at byte " + std::to_string(offset) +
                       " run past the end (" + std::to_string(size_) + " bytes)");
  }
  read_impl(offset, out, n);
}

std::shared_ptr<const ByteSource> open_file_source(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw WeightsError(path + ": cannot be opened (" + std::strerror(errno) + ")");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw WeightsError(path + ": is not a regular file");
  }
  return std::make_shared<FileSource>(path, fd, static_cast<uint64_t>(st.st_size));
}

std::shared_ptr<const ByteSource> memory_source(std::string bytes, std::string name) {
  return std::make_shared<MemorySource>(std::move(bytes), std::move(name));
}

}  // namespace dimp::weights
