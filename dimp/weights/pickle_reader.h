// dimp/weights/pickle_reader.h — a restricted pickle virtual machine: it reads Python pickles
// (protocols 0-5, the opcodes torch.save and ordinary checkpoints use) into an inert tree of
// values and never runs code from the file. Globals are names, not code: a few are
// interpreted (collections.OrderedDict, builtins.set/frozenset/bytearray, _codecs.encode,
// torch.Size, copyreg's reconstructors), calls of any other global give a placeholder
// recording the global's name, and globals that exist only to run code (os.system,
// subprocess.*, builtins.eval, ...; see refused_global) make the reader refuse the file.
// Hostile streams are bounded: stack, marks, memo, container sizes and total allocation
// (proportional to the source's size); malformed input gives a WeightsError naming the
// file, the byte offset and the opcode.
//
//   auto src = dimp::weights::memory_source(bytes, "data.pkl");
//   dimp::weights::pickle::Pickle p = dimp::weights::pickle::read_pickle(*src);
//   if (const auto* net = p.root().find("net")) std::printf("%s\n", net->describe().c_str());
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dimp/weights/byte_source.h"

namespace dimp::weights::pickle {

// Kind: what a Value holds.
enum class Kind : uint8_t {
  kNone,
  kBool,      // boolean
  kInt,       // integer (fits in 64 bits)
  kBigInt,    // text: the minimal little-endian two's-complement bytes (more than 8)
  kFloat,     // real
  kString,    // text (UTF-8 from the unicode opcodes; the raw bytes of protocol 0-2 strings)
  kBytes,     // text (bytes and bytearray)
  kTuple,     // items
  kList,      // items
  kDict,      // entries in insertion order (Python's dict semantics: a repeated key keeps its place); state from BUILD
  kSet,       // items (set and frozenset)
  kGlobal,    // text: "module.name", as a bare reference (a class, a function, a storage type)
  kObject,    // a placeholder for what calling or instantiating a global would have built:
              // text: the global's "module.name"; args, kwargs, state; items/entries when
              // the pickle filled it like a list or dict
  kExternal,  // integer: the handle PickleOptions::persistent_load gave for a persistent id
};

// Value: one node of the inert tree. Nodes are owned by their Pickle; pointers between them
// may share nodes and form cycles (a list appended to itself), so walk with care.
struct Value {
  Kind kind = Kind::kNone;
  bool boolean = false;
  int64_t integer = 0;
  double real = 0;
  std::string text;
  std::vector<Value*> items;
  std::vector<std::pair<Value*, Value*>> entries;
  Value* args = nullptr;    // kObject: the positional arguments (a kTuple)
  Value* kwargs = nullptr;  // kObject: keyword arguments (NEWOBJ_EX), or null
  Value* state = nullptr;   // kObject, kDict: what BUILD set, or null

  bool is(Kind k) const { return kind == k; }
  bool is_string(std::string_view s) const { return kind == Kind::kString && text == s; }
  // find: a kDict's (or dict-filled kObject's) value under a string key, or nullptr.
  const Value* find(std::string_view key) const;
  // describe: a short phrase for error messages ("a placeholder for ltr.admin.X", "a list
  // of 3 values", "the string 'abc'"); never recurses.
  std::string describe() const;
};

// Pickle: the tree read from one pickle, and where it lay in the source.
class Pickle {
 public:
  const Value& root() const { return *root_; }
  uint64_t begin() const { return begin_; }  // offset of the first opcode
  uint64_t end() const { return end_; }      // offset just past STOP
  int protocol() const { return protocol_; }  // from PROTO; 0 when absent

 private:
  friend class Machine;
  std::vector<std::unique_ptr<Value>> values_;
  Value* root_ = nullptr;
  uint64_t begin_ = 0, end_ = 0;
  int protocol_ = 0;
};

// PickleLimits: bounds against hostile streams; the defaults are far above any checkpoint.
struct PickleLimits {
  size_t max_stack = size_t{1} << 20;       // values on the stack at once
  size_t max_marks = size_t{1} << 16;       // MARKs open at once
  size_t max_memo = size_t{1} << 20;        // memo entries
  size_t max_items = size_t{1} << 24;       // values in one tuple, list, dict or set
  uint64_t alloc_base = uint64_t{16} << 20;  // allocation budget in bytes: this much, plus
  uint64_t alloc_per_byte = 256;             // this much per byte from the pickle's start to the source's end
};

// PersistentObject: what a persistent id stands for: a handle of the caller's own (a storage),
// stored as a kExternal value, or, when item >= 0, the id tuple's own item at that index
// (legacy torch.save(module) files name a module class so).
struct PersistentObject {
  int64_t handle = 0;
  int item = -1;
};

// PersistentLoad: what a persistent id (BINPERSID's value; PERSID's line as a kString) stands
// for; throws WeightsError to refuse it. The id's nodes live until the Pickle is destroyed.
using PersistentLoad = std::function<PersistentObject(const Value& pid)>;

// PickleOptions: how to read one pickle.
struct PickleOptions {
  PersistentLoad persistent_load;  // unset: a persistent id is an error
  PickleLimits limits;
};

// read_pickle: one pickle starting at `offset` of the source, up to and including its STOP
// (later bytes are not read). WeightsError on malformed or refused streams.
Pickle read_pickle(const ByteSource& source, uint64_t offset = 0, const PickleOptions& options = {});

// refused_global: why a global is refused ("runs a program"), or nullopt when it is not. The
// module is first mapped as Python's unpickler maps Python 2 names (__builtin__ -> builtins,
// commands -> subprocess, ...). Refused: the modules os, posix, nt, subprocess, sys, shutil,
// socket, importlib, runpy, pty, ctypes, marshal, pickle, code, types, webbrowser (and their
// private twins such as _socket, _pickle, _posixsubprocess); builtins' eval, exec, compile,
// open, getattr, setattr, delattr, __import__, apply, input, breakpoint, globals, locals,
// vars, execfile, file, reload; io/_io's open and FileIO; and any dotted name (protocol 4's
// attribute paths, e.g. torch.serialization + "os.system") passing through one of these or
// through a dunder attribute.
std::optional<std::string> refused_global(const std::string& module, const std::string& name);

}  // namespace dimp::weights::pickle
