#include "dimp/weights/safetensors.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

namespace dimp::weights {
namespace {

using nlohmann::json;

constexpr uint64_t kMaxHeader = 100ull << 20;  // 100 MiB: far above any real header

struct DtypeInfo {
  const char* name;
  at::ScalarType type;
  int64_t bytes;
};
const DtypeInfo kDtypes[] = {{"F64", at::kDouble, 8},  {"F32", at::kFloat, 4}, {"F16", at::kHalf, 2},
                             {"BF16", at::kBFloat16, 2}, {"I64", at::kLong, 8},  {"I32", at::kInt, 4},
                             {"I16", at::kShort, 2},   {"I8", at::kChar, 1},   {"U8", at::kByte, 1},
                             {"BOOL", at::kBool, 1}};

const DtypeInfo* find_dtype(const std::string& name) {
  for (const auto& d : kDtypes) {
    if (name == d.name) return &d;
  }
  return nullptr;
}

const DtypeInfo* find_dtype(at::ScalarType t) {
  for (const auto& d : kDtypes) {
    if (t == d.type) return &d;
  }
  return nullptr;
}

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw WeightsError("safetensors file " + path + ": " + what);
}

// TopLevelKeys: a SAX pass that finds a repeated top-level key, which a DOM parse would
// silently resolve to its last value. (nlohmann's parse callback does this too, but rescans the
// enclosing object at every object's end: minutes for a header of 100,000 entries.)
class TopLevelKeys : public nlohmann::json_sax<json> {
 public:
  std::string duplicate;
  bool key(string_t& k) override {
    if (depth_ == 1 && duplicate.empty() && !seen_.insert(k).second) duplicate = k;
    return true;
  }
  bool start_object(std::size_t) override { return ++depth_, true; }
  bool end_object() override { return --depth_, true; }
  bool start_array(std::size_t) override { return ++depth_, true; }
  bool end_array() override { return --depth_, true; }
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  int depth_ = 0;
  std::set<std::string> seen_;
};

uint64_t file_size(const std::string& path) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(path, ec);
  if (ec) fail(path, "cannot be read (" + ec.message() + ")");
  return n;
}

}  // namespace

SafetensorsHeader read_safetensors_header(const std::string& path) {
  const uint64_t size = file_size(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot be opened");
  if (size < 8) fail(path, "shorter than the 8-byte header length (" + std::to_string(size) + " bytes)");
  unsigned char len_bytes[8];
  in.read(reinterpret_cast<char*>(len_bytes), 8);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | len_bytes[i];
  if (n > kMaxHeader) fail(path, "header length " + std::to_string(n) + " exceeds the 100 MiB limit");
  if (n > size - 8) fail(path, "header length " + std::to_string(n) + " runs past the end of the file (" + std::to_string(size) + " bytes)");
  std::string text(n, '\0');
  in.read(text.data(), static_cast<std::streamsize>(n));
  if (!in) fail(path, "header could not be read");

  // Parse, refusing duplicate tensor names (JSON would silently keep the last).
  json header;
  try {
    header = json::parse(text);
  } catch (const json::exception& e) {
    fail(path, std::string("header is not valid JSON (") + e.what() + ")");
  }
  TopLevelKeys keys;
  json::sax_parse(text, &keys);
  if (!keys.duplicate.empty()) fail(path, "tensor '" + keys.duplicate + "' appears twice in the header");
  if (!header.is_object()) fail(path, "header is not a JSON object");

  SafetensorsHeader out;
  out.data_start = 8 + n;
  const uint64_t data_size = size - out.data_start;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const json& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) fail(path, "__metadata__ is not an object");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string()) fail(path, "__metadata__ value '" + m.key() + "' is not a string");
        out.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor '" + name + "'";
    if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") || !v.contains("data_offsets")) {
      fail(path, where + " needs dtype, shape and data_offsets");
    }
    TensorInfo info;
    if (!v["dtype"].is_string()) fail(path, where + ": dtype is not a string");
    info.dtype = v["dtype"].get<std::string>();
    const DtypeInfo* dt = find_dtype(info.dtype);
    if (!dt) fail(path, where + ": unsupported dtype '" + info.dtype + "'");
    if (!v["shape"].is_array()) fail(path, where + ": shape is not an array");
    // Element count with overflow checks: a hostile shape must not wrap around.
    unsigned __int128 count = 1;
    for (const auto& d : v["shape"]) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0) fail(path, where + ": shape entries must be non-negative integers");
      const int64_t dim = d.get<int64_t>();
      info.shape.push_back(dim);
      count *= static_cast<unsigned __int128>(dim);
      if (count > static_cast<unsigned __int128>(data_size) + 1) count = static_cast<unsigned __int128>(data_size) + 1;
    }
    const auto& off = v["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned()) {
      fail(path, where + ": data_offsets must be two non-negative integers");
    }
    info.begin = off[0].get<uint64_t>();
    info.end = off[1].get<uint64_t>();
    if (info.begin > info.end || info.end > data_size) {
      fail(path, where + ": bytes [" + std::to_string(info.begin) + ", " + std::to_string(info.end) +
                     ") lie outside the data section of " + std::to_string(data_size) + " bytes");
    }
    const unsigned __int128 need = count * static_cast<unsigned __int128>(dt->bytes);
    if (need != static_cast<unsigned __int128>(info.end - info.begin)) {
      fail(path, where + ": shape and dtype need " +
                     (need > data_size ? std::string("more bytes than the file holds") : std::to_string(static_cast<uint64_t>(need))) +
                     " bytes but data_offsets give " + std::to_string(info.end - info.begin));
    }
    ranges.push_back({info.begin, info.end});
    out.tensors[name] = std::move(info);
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].first < ranges[i - 1].second) fail(path, "two tensors' byte ranges overlap");
  }
  return out;
}

std::map<std::string, at::Tensor> read_safetensors(const std::string& path) {
  const SafetensorsHeader header = read_safetensors_header(path);
  std::ifstream in(path, std::ios::binary);
  std::map<std::string, at::Tensor> out;
  for (const auto& [name, info] : header.tensors) {
    const DtypeInfo* dt = find_dtype(info.dtype);
    at::Tensor t = at::empty(info.shape, at::TensorOptions().dtype(dt->type));
    const uint64_t bytes = info.end - info.begin;
    if (bytes > 0) {
      in.seekg(static_cast<std::streamoff>(header.data_start + info.begin));
      in.read(static_cast<char*>(t.data_ptr()), static_cast<std::streamsize>(bytes));
      if (!in) fail(path, "tensor '" + name + "' could not be read");
    }
    out[name] = t;
  }
  return out;
}

void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  std::vector<at::Tensor> data;
  uint64_t offset = 0;
  std::set<std::string> names;
  for (const auto& [name, t] : tensors) {
    if (name == "__metadata__" || !names.insert(name).second) {
      throw WeightsError("write_safetensors " + path + ": duplicate or reserved tensor name '" + name + "'");
    }
    const DtypeInfo* dt = find_dtype(t.scalar_type());
    if (!dt) throw WeightsError("write_safetensors " + path + ": tensor '" + name + "' has an unsupported dtype");
    auto c = t.detach().to(at::kCPU).contiguous();
    const uint64_t bytes = static_cast<uint64_t>(c.numel()) * dt->bytes;
    header[name] = {{"dtype", dt->name}, {"shape", c.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    data.push_back(c);
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // keep the data section 8-byte aligned
  const std::string tmp = path + ".partial";
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) throw WeightsError("cannot write " + tmp);
    uint64_t n = text.size();
    unsigned char len_bytes[8];
    for (int i = 0; i < 8; ++i) len_bytes[i] = static_cast<unsigned char>((n >> (8 * i)) & 0xff);
    out.write(reinterpret_cast<const char*>(len_bytes), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& c : data) {
      out.write(static_cast<const char*>(c.data_ptr()), static_cast<std::streamsize>(c.numel() * c.element_size()));
    }
    if (!out) throw WeightsError("error while writing " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw WeightsError("cannot move " + tmp + " to " + path + " (" + ec.message() + ")");
}

}  // namespace dimp::weights
