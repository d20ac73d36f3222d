#include "dimp/weights/torch_checkpoint.h"

#include <algorithm>
#include <optional>
#include <sstream>
#include <unordered_map>

#include "dimp/weights/pickle_reader.h"
#include "dimp/weights/zip_archive.h"

namespace dimp::weights {
namespace {

using pickle::Kind;
using pickle::Value;

// The legacy format's first pickle: torch.serialization.MAGIC_NUMBER, 0x1950a86a20f9469cfc6c,
// as the little-endian bytes the pickle reader keeps for integers beyond 64 bits.
const std::string kLegacyMagic("\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", 10);
constexpr int64_t kLegacyProtocolVersion = 1001;
constexpr size_t kMaxDims = 64;

struct StorageType {
  const char* name;
  at::ScalarType type;
};
const StorageType kStorageTypes[] = {
    {"FloatStorage", at::kFloat}, {"DoubleStorage", at::kDouble},     {"HalfStorage", at::kHalf},
    {"BFloat16Storage", at::kBFloat16}, {"LongStorage", at::kLong},   {"IntStorage", at::kInt},
    {"ShortStorage", at::kShort}, {"CharStorage", at::kChar},         {"ByteStorage", at::kByte},
    {"BoolStorage", at::kBool},
};

// The dtype of a storage type global: torch.FloatStorage, torch.cuda.FloatStorage (saved from
// a GPU; read to the CPU), torch.UntypedStorage / torch.storage.UntypedStorage (bytes).
std::optional<at::ScalarType> storage_dtype(const std::string& global) {
  if (global == "torch.UntypedStorage" || global == "torch.storage.UntypedStorage") return at::kByte;
  for (const char* prefix : {"torch.cuda.", "torch."}) {
    const std::string p(prefix);
    if (global.compare(0, p.size(), p) != 0) continue;
    const std::string rest = global.substr(p.size());
    for (const auto& s : kStorageTypes) {
      if (rest == s.name) return s.type;
    }
  }
  return std::nullopt;
}

// A string field of a persistent id (torch accepts bytes there too, from Python 2 files).
const std::string* text_of(const Value* v) {
  return v && (v->kind == Kind::kString || v->kind == Kind::kBytes) ? &v->text : nullptr;
}

// A name from the file for messages: quoted, at most 200 characters.
std::string quote_name(const std::string& s) { return "'" + (s.size() > 200 ? s.substr(0, 200) + "..." : s) + "'"; }

std::string dims_str(const std::vector<int64_t>& d) {
  std::ostringstream s;
  s << "[";
  for (size_t i = 0; i < d.size(); ++i) s << (i ? ", " : "") << d[i];
  s << "]";
  return s.str();
}

struct Storage {
  std::string key;
  at::ScalarType dtype = at::kFloat;
  uint64_t numel = 0;
  const ZipEntry* entry = nullptr;  // zip: its record
  bool has_data = false;            // legacy: found in the storage section, at data_offset
  uint64_t data_offset = 0;
  int64_t root = -1;                // legacy view: elements [view_offset, + numel) of storage `root`
  uint64_t view_offset = 0;
  at::Tensor data;                  // 1-D, loaded on first use
};

class CheckpointReader {
 public:
  explicit CheckpointReader(std::shared_ptr<const ByteSource> source) : src_(std::move(source)) {}

  TorchCheckpoint read() {
    TorchCheckpoint out;
    if (looks_like_zip(*src_)) {
      out.format = "zip";
      read_zip(out);
    } else {
      out.format = "legacy";
      read_legacy(out);
    }
    return out;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw WeightsError("PyTorch checkpoint " + src_->name() + ": " + what); }

  // ---- The zip format ----
  void read_zip(TorchCheckpoint& out) {
    zip_.emplace(src_);
    const auto& entries = zip_->entries();
    if (entries.empty()) fail("the zip archive is empty");
    const size_t slash = entries[0].name.find('/');
    if (slash == std::string::npos) fail("its first entry '" + entries[0].name + "' is not under a '<name>/' folder");
    prefix_ = entries[0].name.substr(0, slash + 1);
    if (zip_->find(prefix_ + "constants.pkl")) fail("is a TorchScript archive (torch.jit.save), not a torch.save checkpoint");
    const ZipEntry* pkl = zip_->find(prefix_ + "data.pkl");
    if (!pkl) fail("has no entry '" + prefix_ + "data.pkl'");
    if (const ZipEntry* bo = zip_->find(prefix_ + "byteorder")) {
      if (bo->size > 16) fail("its byteorder entry holds " + std::to_string(bo->size) + " bytes, not 'little' or 'big'");
      const std::string order = zip_->read(*bo);
      if (order == "big") big_endian_ = true;
      else if (order != "little") fail("its byteorder entry says '" + order + "', not 'little' or 'big'");
    }
    uint64_t unpacked = 0;
    for (const auto& e : entries) unpacked += e.size;  // each at most 1032 x its packed size
    budget_base_ = std::max(src_->size(), unpacked);
    auto data = memory_source(zip_->read(*pkl), src_->name() + " (entry " + pkl->name + ")");
    pickle::PickleOptions options;
    options.persistent_load = [this](const Value& pid) { return pickle::PersistentObject{zip_storage(pid)}; };
    const pickle::Pickle p = pickle::read_pickle(*data, 0, options);
    extract(p.root(), out);
  }

  int64_t zip_storage(const Value& pid) {
    const std::string shape = "('storage', storage type, key, location, numel)";
    if (pid.kind != Kind::kTuple || pid.items.size() != 5) fail("a persistent id is " + pid.describe() + ", not " + shape);
    const std::string* tag = text_of(pid.items[0]);
    const std::string* key = text_of(pid.items[2]);
    const Value* numel = pid.items[4];
    if (!tag || *tag != "storage" || !key || !text_of(pid.items[3]) || numel->kind != Kind::kInt || numel->integer < 0) {
      fail("a persistent id does not have the form " + shape);
    }
    const at::ScalarType dtype = dtype_of(*pid.items[1]);
    const int64_t h = known_storage(*key, dtype, static_cast<uint64_t>(numel->integer));
    if (h >= 0) return h;
    const std::string name = prefix_ + "data/" + *key;
    const ZipEntry* e = zip_->find(name);
    if (!e) fail("storage " + quote_name(*key) + " has no entry " + quote_name(name));
    const uint64_t elsize = static_cast<uint64_t>(at::elementSize(dtype));
    const uint64_t n = static_cast<uint64_t>(numel->integer);
    if (n > e->size / elsize || n * elsize != e->size) {
      fail("storage " + quote_name(*key) + " is announced with " + std::to_string(n) + " elements of " + at::toString(dtype) + " but its entry holds " +
           std::to_string(e->size) + " bytes");
    }
    Storage s;
    s.key = *key;
    s.dtype = dtype;
    s.numel = n;
    s.entry = e;
    return add_root(std::move(s));
  }

  // ---- The legacy format ----
  void read_legacy(TorchCheckpoint& out) {
    budget_base_ = src_->size();
    const pickle::Pickle magic = pickle::read_pickle(*src_, 0);
    if (magic.root().kind != Kind::kBigInt || magic.root().text != kLegacyMagic) {
      fail("is neither a zip archive nor a legacy PyTorch stream: its first pickle holds " + magic.root().describe() +
           ", not the magic number 0x1950a86a20f9469cfc6c");
    }
    const pickle::Pickle version = pickle::read_pickle(*src_, magic.end());
    if (version.root().kind != Kind::kInt || version.root().integer != kLegacyProtocolVersion) {
      fail("its protocol version is " + version.root().describe() + ", not 1001");
    }
    const pickle::Pickle sys_info = pickle::read_pickle(*src_, version.end());
    if (const Value* le = sys_info.root().find("little_endian"); le && le->kind == Kind::kBool && !le->boolean) {
      fail("was written on a big-endian machine (sys_info little_endian is False); its byte order is not supported");
    }
    pickle::PickleOptions options;
    options.persistent_load = [this](const Value& pid) {
      // ('module', class, source file, source): torch.save(module) names the class so; it stays a
      // bare global (instantiating it gives a placeholder).
      if (pid.kind == Kind::kTuple && pid.items.size() == 4) {
        if (const std::string* tag = text_of(pid.items[0]); tag && *tag == "module") return pickle::PersistentObject{0, 1};
      }
      return pickle::PersistentObject{legacy_storage(pid)};
    };
    const pickle::Pickle main = pickle::read_pickle(*src_, sys_info.end(), options);
    const pickle::Pickle keys = pickle::read_pickle(*src_, main.end());
    const Value& list = keys.root();
    if (list.kind != Kind::kList && list.kind != Kind::kTuple) fail("its storage list is " + list.describe() + ", not a list of keys");

    uint64_t offset = keys.end();
    for (const Value* k : list.items) {
      const std::string* key = text_of(k);
      if (!key) fail("its storage list holds " + k->describe() + ", not a key");
      auto it = root_by_key_.find(*key);
      if (it == root_by_key_.end()) fail("its storage list names storage " + quote_name(*key) + ", which no persistent id announced");
      Storage& s = storages_[static_cast<size_t>(it->second)];
      if (s.has_data) fail("its storage list names storage " + quote_name(*key) + " twice");
      if (!src_->contains(offset, 8)) {
        fail("storage " + quote_name(*key) + ": its element count at byte " + std::to_string(offset) + " runs past the end");
      }
      unsigned char b[8];
      src_->read(offset, b, 8);
      uint64_t count = 0;
      for (int i = 7; i >= 0; --i) count = (count << 8) | b[i];
      if (count != s.numel) {
        fail("storage " + quote_name(*key) + " holds " + std::to_string(count) + " elements at byte " + std::to_string(offset) + " but " +
             std::to_string(s.numel) + " were announced");
      }
      const uint64_t elsize = static_cast<uint64_t>(at::elementSize(s.dtype));
      const uint64_t left = src_->size() - offset - 8;
      if (count > left / elsize) {
        fail("storage " + quote_name(*key) + ": " + std::to_string(count) + " elements of " + at::toString(s.dtype) + " at byte " +
             std::to_string(offset + 8) + " run past the end (" + std::to_string(src_->size()) + " bytes)");
      }
      s.has_data = true;
      s.data_offset = offset + 8;
      offset += 8 + count * elsize;
    }
    extract(main.root(), out);
  }

  int64_t legacy_storage(const Value& pid) {
    const std::string shape = "('storage', storage type, key, location, numel, view)";
    if (pid.kind != Kind::kTuple || pid.items.size() != 6) fail("a persistent id is " + pid.describe() + ", not " + shape);
    const std::string* tag = text_of(pid.items[0]);
    const std::string* key = text_of(pid.items[2]);
    const Value* numel = pid.items[4];
    const Value* view = pid.items[5];
    if (!tag || *tag != "storage" || !key || !text_of(pid.items[3]) || numel->kind != Kind::kInt || numel->integer < 0) {
      fail("a persistent id does not have the form " + shape);
    }
    const at::ScalarType dtype = dtype_of(*pid.items[1]);
    int64_t root = known_storage(*key, dtype, static_cast<uint64_t>(numel->integer));
    if (root < 0) {
      Storage s;
      s.key = *key;
      s.dtype = dtype;
      s.numel = static_cast<uint64_t>(numel->integer);
      root = add_root(std::move(s));
    }
    if (view->kind == Kind::kNone) return root;
    // (view_key, offset, size) in elements of the root storage (old PyTorch's storage views).
    if (view->kind != Kind::kTuple || view->items.size() != 3 || !text_of(view->items[0]) || view->items[1]->kind != Kind::kInt ||
        view->items[2]->kind != Kind::kInt || view->items[1]->integer < 0 || view->items[2]->integer < 0) {
      fail("storage " + quote_name(*key) + ": its view is " + view->describe() + ", not (key, offset, size)");
    }
    const std::string& view_key = view->items[0]->text;
    const auto off = static_cast<uint64_t>(view->items[1]->integer), size = static_cast<uint64_t>(view->items[2]->integer);
    const uint64_t root_numel = storages_[static_cast<size_t>(root)].numel;
    if (off > root_numel || size > root_numel - off) {
      fail("storage view " + quote_name(view_key) + " [" + std::to_string(off) + ", +" + std::to_string(size) + ") lies outside its storage " +
           quote_name(*key) + " of " + std::to_string(root_numel) + " elements");
    }
    auto it = view_by_key_.find(view_key);
    if (it != view_by_key_.end()) {
      const Storage& v = storages_[static_cast<size_t>(it->second)];
      if (v.root != root || v.view_offset != off || v.numel != size) fail("storage view " + quote_name(view_key) + " is announced twice, differently");
      return it->second;
    }
    Storage v;
    v.key = view_key;
    v.dtype = dtype;
    v.numel = size;
    v.root = root;
    v.view_offset = off;
    storages_.push_back(std::move(v));
    view_by_key_[view_key] = static_cast<int64_t>(storages_.size() - 1);
    return static_cast<int64_t>(storages_.size() - 1);
  }

  // ---- Storages ----
  at::ScalarType dtype_of(const Value& type) const {
    if (type.kind != Kind::kGlobal) fail("a storage's type is " + type.describe() + ", not a storage class");
    const auto dtype = storage_dtype(type.text);
    if (!dtype) fail("unsupported storage type " + type.text);
    return *dtype;
  }

  // The handle of a storage already announced under this key (-1 if none); it must agree.
  int64_t known_storage(const std::string& key, at::ScalarType dtype, uint64_t numel) const {
    auto it = root_by_key_.find(key);
    if (it == root_by_key_.end()) return -1;
    const Storage& s = storages_[static_cast<size_t>(it->second)];
    if (s.dtype != dtype || s.numel != numel) {
      fail("storage " + quote_name(key) + " is announced as " + std::to_string(s.numel) + " " + at::toString(s.dtype) + " and as " +
           std::to_string(numel) + " " + at::toString(dtype));
    }
    return it->second;
  }

  int64_t add_root(Storage s) {
    const std::string key = s.key;
    storages_.push_back(std::move(s));
    root_by_key_[key] = static_cast<int64_t>(storages_.size() - 1);
    return static_cast<int64_t>(storages_.size() - 1);
  }

  const at::Tensor& storage_data(int64_t h) {
    Storage& s = storages_[static_cast<size_t>(h)];
    if (s.data.defined()) return s.data;
    if (s.root >= 0) {
      const at::Tensor& root = storage_data(s.root);
      s.data = root.narrow(0, static_cast<int64_t>(s.view_offset), static_cast<int64_t>(s.numel));
      return s.data;
    }
    at::Tensor t = at::empty({static_cast<int64_t>(s.numel)}, at::TensorOptions().dtype(s.dtype));
    const uint64_t bytes = s.numel * static_cast<uint64_t>(at::elementSize(s.dtype));
    if (s.entry) {
      zip_->read_into(*s.entry, t.data_ptr());
    } else {
      if (!s.has_data) fail("storage " + quote_name(s.key) + " has no data: the storage list after the pickle does not name it");
      src_->read(s.data_offset, t.data_ptr(), bytes);
    }
    auto* p = static_cast<unsigned char*>(t.data_ptr());
    const size_t elsize = static_cast<size_t>(at::elementSize(s.dtype));
    if (big_endian_ && elsize > 1) {
      for (uint64_t i = 0; i < bytes; i += elsize) std::reverse(p + i, p + i + elsize);
    }
    if (s.dtype == at::kBool) {
      for (uint64_t i = 0; i < bytes; ++i) {
        if (p[i] > 1) fail("bool storage " + quote_name(s.key) + " holds the byte " + std::to_string(p[i]) + " at element " + std::to_string(i));
      }
    }
    s.data = t;
    return s.data;
  }

  // ---- The state dict ----
  static bool is_tensor_call(const Value& v) {
    if (v.kind != Kind::kObject) return false;
    return v.text == "torch._utils._rebuild_tensor_v2" || v.text == "torch._utils._rebuild_tensor" ||
           v.text == "torch._utils._rebuild_parameter" || v.text == "torch._utils._rebuild_parameter_with_state";
  }

  void extract(const Value& root, TorchCheckpoint& out) {
    if (root.kind != Kind::kDict) fail("holds " + root.describe() + ", not a dict");
    const Value* state = root.find("net");
    std::string where = "'net' entry";
    if (state) {
      if (state->kind != Kind::kDict) fail("its 'net' entry is " + state->describe() + ", not a state dict");
      for (const char* field : {"epoch", "net_type", "actor_type"}) {
        const Value* v = root.find(field);
        if (v && v->kind == Kind::kInt) out.info[field] = std::to_string(v->integer);
        if (v && v->kind == Kind::kString) out.info[field] = v->text;
      }
    } else {
      state = &root;
      where = "entry";
      for (const auto& [k, v] : root.entries) {
        if (!is_tensor_call(*v)) {
          fail("has no 'net' entry, and its top-level dict is not a dict of tensors: " +
               (k->kind == Kind::kString ? "entry " + quote_name(k->text) : "an entry under " + k->describe()) + " is " + v->describe());
        }
      }
    }
    for (const auto& [k, v] : state->entries) {
      if (k->kind != Kind::kString) fail("a state dict key is " + k->describe() + ", not a string");
      out.tensors.emplace_back(k->text, tensor_of(*v, where + " " + quote_name(k->text), 0));
    }
  }

  at::Tensor tensor_of(const Value& v, const std::string& where, int depth) {
    if (!is_tensor_call(v)) fail(where + " is " + v.describe() + ", not a tensor");
    const Value* args = v.args;
    if (!args || args->kind != Kind::kTuple) fail(where + ": " + v.text + " has no argument tuple");
    const auto& a = args->items;
    if (v.text == "torch._utils._rebuild_parameter" || v.text == "torch._utils._rebuild_parameter_with_state") {
      const size_t want = v.text == "torch._utils._rebuild_parameter" ? 3 : 4;
      if (a.size() != want) fail(where + ": " + v.text + " takes " + std::to_string(want) + " arguments, not " + std::to_string(a.size()));
      if (depth > 0) fail(where + ": a parameter wraps another parameter");
      return tensor_of(*a[0], where, depth + 1);
    }
    const bool v2 = v.text == "torch._utils._rebuild_tensor_v2";
    if (v2 ? (a.size() != 6 && a.size() != 7) : a.size() != 4) {
      fail(where + ": " + v.text + " takes " + (v2 ? "6 or 7" : "4") + " arguments, not " + std::to_string(a.size()));
    }
    if (v2 && a[4]->kind != Kind::kBool) fail(where + ": requires_grad is " + a[4]->describe() + ", not a bool");
    return rebuild(*a[0], *a[1], *a[2], *a[3], where);
  }

  std::vector<int64_t> int_list(const Value& v, const std::string& what, const std::string& where) const {
    if (v.kind != Kind::kTuple && v.kind != Kind::kList) fail(where + ": its " + what + " is " + v.describe() + ", not a tuple");
    if (v.items.size() > kMaxDims) fail(where + ": " + std::to_string(v.items.size()) + " dimensions (at most 64)");
    std::vector<int64_t> out;
    for (const Value* d : v.items) {
      if (d->kind != Kind::kInt) fail(where + ": its " + what + " hold " + d->describe() + ", not an integer");
      if (d->integer < 0) fail(where + ": its " + what + " hold " + std::to_string(d->integer) + " (negative " + what + " are not supported)");
      out.push_back(d->integer);
    }
    return out;
  }

  at::Tensor rebuild(const Value& storage, const Value& offset_v, const Value& size_v, const Value& stride_v, const std::string& where) {
    if (storage.kind != Kind::kExternal || storage.integer < 0 || static_cast<uint64_t>(storage.integer) >= storages_.size()) {
      fail(where + ": its storage is " + storage.describe() + ", not a storage");
    }
    if (offset_v.kind != Kind::kInt || offset_v.integer < 0) fail(where + ": its storage offset is " + offset_v.describe());
    const auto sizes = int_list(size_v, "sizes", where);
    const auto strides = int_list(stride_v, "strides", where);
    if (sizes.size() != strides.size()) {
      fail(where + ": " + std::to_string(sizes.size()) + " sizes but " + std::to_string(strides.size()) + " strides");
    }
    const Storage& s = storages_[static_cast<size_t>(storage.integer)];
    const auto offset = static_cast<uint64_t>(offset_v.integer);
    // Element count and the last element's index, saturated at 2^64 (beyond any storage and
    // budget; each factor is below 2^63, so one step cannot overflow 128 bits).
    const unsigned __int128 cap = static_cast<unsigned __int128>(1) << 64;
    unsigned __int128 numel = 1, last = offset;
    for (size_t i = 0; i < sizes.size(); ++i) {
      numel = std::min(cap, numel * static_cast<unsigned __int128>(sizes[i]));
      if (sizes[i] > 0) last = std::min(cap, last + static_cast<unsigned __int128>(sizes[i] - 1) * static_cast<unsigned __int128>(strides[i]));
    }
    if (numel > 0 && last >= s.numel) {
      fail(where + ": offset " + std::to_string(offset) + ", sizes " + dims_str(sizes) + " and strides " + dims_str(strides) +
           " reach beyond storage " + quote_name(s.key) + " of " + std::to_string(s.numel) + " elements");
    }
    const unsigned __int128 bytes = numel * static_cast<unsigned __int128>(at::elementSize(s.dtype));
    const unsigned __int128 budget = static_cast<unsigned __int128>(budget_base_) * kMaxTensorBytesPerFileByte + kMaxTensorBytesSlack;
    if (bytes > budget - out_bytes_) {
      fail(where + ": the tensors would take more than " + std::to_string(static_cast<uint64_t>(budget)) +
           " bytes, more than a file of this size can justify (views repeating one storage?)");
    }
    out_bytes_ += bytes;
    if (numel == 0) return at::empty(sizes, at::TensorOptions().dtype(s.dtype));
    const at::Tensor& data = storage_data(storage.integer);
    return data.as_strided(sizes, strides, data.storage_offset() + static_cast<int64_t>(offset)).contiguous();
  }

  std::shared_ptr<const ByteSource> src_;
  std::optional<ZipArchive> zip_;
  std::string prefix_;
  bool big_endian_ = false;
  uint64_t budget_base_ = 0;
  unsigned __int128 out_bytes_ = 0;
  std::vector<Storage> storages_;
  std::unordered_map<std::string, int64_t> root_by_key_, view_by_key_;
};

}  // namespace

TorchCheckpoint read_torch_checkpoint(const std::shared_ptr<const ByteSource>& source) { return CheckpointReader(source).read(); }

TorchCheckpoint read_torch_checkpoint(const std::string& path) { return read_torch_checkpoint(open_file_source(path)); }

TorchCheckpoint read_torch_checkpoint_bytes(const std::string& bytes, const std::string& name) {
  return read_torch_checkpoint(memory_source(bytes, name));
}

}  // namespace dimp::weights
