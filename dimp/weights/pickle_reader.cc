#include "dimp/weights/pickle_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <unordered_map>

namespace dimp::weights::pickle {
namespace {

// Opcodes (Python's Lib/pickletools.py).
enum Op : uint8_t {
  MARK = '(', STOP = '.', POP = '0', POP_MARK = '1', DUP = '2', FLOAT = 'F', INT = 'I', BININT = 'J',
  BININT1 = 'K', LONG = 'L', BININT2 = 'M', NONE = 'N', PERSID = 'P', BINPERSID = 'Q', REDUCE = 'R',
  STRING = 'S', BINSTRING = 'T', SHORT_BINSTRING = 'U', UNICODE = 'V', BINUNICODE = 'X', APPEND = 'a',
  BUILD = 'b', GLOBAL = 'c', DICT = 'd', EMPTY_DICT = '}', APPENDS = 'e', GET = 'g', BINGET = 'h',
  INST = 'i', LONG_BINGET = 'j', LIST = 'l', EMPTY_LIST = ']', OBJ = 'o', PUT = 'p', BINPUT = 'q',
  LONG_BINPUT = 'r', SETITEM = 's', TUPLE = 't', EMPTY_TUPLE = ')', SETITEMS = 'u', BINFLOAT = 'G',
  PROTO = 0x80, NEWOBJ = 0x81, EXT1 = 0x82, EXT2 = 0x83, EXT4 = 0x84, TUPLE1 = 0x85, TUPLE2 = 0x86,
  TUPLE3 = 0x87, NEWTRUE = 0x88, NEWFALSE = 0x89, LONG1 = 0x8a, LONG4 = 0x8b, BINBYTES = 'B',
  SHORT_BINBYTES = 'C', SHORT_BINUNICODE = 0x8c, BINUNICODE8 = 0x8d, BINBYTES8 = 0x8e, EMPTY_SET = 0x8f,
  ADDITEMS = 0x90, FROZENSET = 0x91, NEWOBJ_EX = 0x92, STACK_GLOBAL = 0x93, MEMOIZE = 0x94, FRAME = 0x95,
  BYTEARRAY8 = 0x96, NEXT_BUFFER = 0x97, READONLY_BUFFER = 0x98,
};

const char* op_name(int op) {
  switch (op) {
    case MARK: return "MARK"; case STOP: return "STOP"; case POP: return "POP"; case POP_MARK: return "POP_MARK";
    case DUP: return "DUP"; case FLOAT: return "FLOAT"; case INT: return "INT"; case BININT: return "BININT";
    case BININT1: return "BININT1"; case LONG: return "LONG"; case BININT2: return "BININT2"; case NONE: return "NONE";
    case PERSID: return "PERSID"; case BINPERSID: return "BINPERSID"; case REDUCE: return "REDUCE";
    case STRING: return "STRING"; case BINSTRING: return "BINSTRING"; case SHORT_BINSTRING: return "SHORT_BINSTRING";
    case UNICODE: return "UNICODE"; case BINUNICODE: return "BINUNICODE"; case APPEND: return "APPEND";
    case BUILD: return "BUILD"; case GLOBAL: return "GLOBAL"; case DICT: return "DICT"; case EMPTY_DICT: return "EMPTY_DICT";
    case APPENDS: return "APPENDS"; case GET: return "GET"; case BINGET: return "BINGET"; case INST: return "INST";
    case LONG_BINGET: return "LONG_BINGET"; case LIST: return "LIST"; case EMPTY_LIST: return "EMPTY_LIST";
    case OBJ: return "OBJ"; case PUT: return "PUT"; case BINPUT: return "BINPUT"; case LONG_BINPUT: return "LONG_BINPUT";
    case SETITEM: return "SETITEM"; case TUPLE: return "TUPLE"; case EMPTY_TUPLE: return "EMPTY_TUPLE";
    case SETITEMS: return "SETITEMS"; case BINFLOAT: return "BINFLOAT"; case PROTO: return "PROTO";
    case NEWOBJ: return "NEWOBJ"; case EXT1: return "EXT1"; case EXT2: return "EXT2"; case EXT4: return "EXT4";
    case TUPLE1: return "TUPLE1"; case TUPLE2: return "TUPLE2"; case TUPLE3: return "TUPLE3"; case NEWTRUE: return "NEWTRUE";
    case NEWFALSE: return "NEWFALSE"; case LONG1: return "LONG1"; case LONG4: return "LONG4"; case BINBYTES: return "BINBYTES";
    case SHORT_BINBYTES: return "SHORT_BINBYTES"; case SHORT_BINUNICODE: return "SHORT_BINUNICODE";
    case BINUNICODE8: return "BINUNICODE8"; case BINBYTES8: return "BINBYTES8"; case EMPTY_SET: return "EMPTY_SET";
    case ADDITEMS: return "ADDITEMS"; case FROZENSET: return "FROZENSET"; case NEWOBJ_EX: return "NEWOBJ_EX";
    case STACK_GLOBAL: return "STACK_GLOBAL"; case MEMOIZE: return "MEMOIZE"; case FRAME: return "FRAME";
    case BYTEARRAY8: return "BYTEARRAY8"; case NEXT_BUFFER: return "NEXT_BUFFER"; case READONLY_BUFFER: return "READONLY_BUFFER";
    default: return nullptr;
  }
}

std::string op_label(int op) {
  char buf[48];
  if (op < 0) return "(none: the input ended)";
  const char* n = op_name(op);
  std::snprintf(buf, sizeof buf, "%s (0x%02x)", n ? n : "unknown", op);
  return buf;
}

// A printable excerpt of a string for messages.
std::string excerpt(const std::string& s, size_t max = 60) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < max; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// ---- Refused globals -------------------------------------------------------------------

struct Reason {
  const char* name;
  const char* why;
};

constexpr const char* kRunsProgram = "runs a program";
constexpr const char* kOsReason = "reaches the operating system (runs programs, changes files)";

const Reason kRefusedModules[] = {
    {"os", kOsReason},
    {"posix", kOsReason},
    {"nt", kOsReason},
    {"subprocess", kRunsProgram},
    {"_posixsubprocess", kRunsProgram},
    {"pty", "runs a program in a pseudo-terminal"},
    {"sys", "reaches the Python interpreter's internals"},
    {"shutil", "copies, moves or deletes files"},
    {"socket", "opens network connections"},
    {"_socket", "opens network connections"},
    {"importlib", "imports arbitrary Python code"},
    {"runpy", "runs Python modules"},
    {"ctypes", "calls native code"},
    {"_ctypes", "calls native code"},
    {"marshal", "loads Python bytecode"},
    {"pickle", "unpickles nested data without restrictions"},
    {"_pickle", "unpickles nested data without restrictions"},
    {"code", "runs Python code"},
    {"types", "builds functions and code objects"},
    {"webbrowser", "runs a web browser"},
};

const Reason kRefusedBuiltins[] = {
    {"eval", "runs Python code"},
    {"exec", "runs Python code"},
    {"execfile", "runs Python code"},
    {"compile", "compiles Python code"},
    {"open", "opens files"},
    {"file", "opens files"},
    {"getattr", "reaches any attribute of any object"},
    {"setattr", "changes any attribute of any object"},
    {"delattr", "deletes attributes of any object"},
    {"__import__", "imports any module"},
    {"reload", "re-imports modules"},
    {"apply", "calls any function"},
    {"input", "reads the terminal"},
    {"breakpoint", "starts the debugger"},
    {"globals", "exposes the interpreter's namespaces"},
    {"locals", "exposes the interpreter's namespaces"},
    {"vars", "exposes the interpreter's namespaces"},
};

const char* refused_module(const std::string& top) {
  for (const auto& r : kRefusedModules) {
    if (top == r.name) return r.why;
  }
  return nullptr;
}

const char* refused_builtin(const std::string& name) {
  for (const auto& r : kRefusedBuiltins) {
    if (name == r.name) return r.why;
  }
  return nullptr;
}

// Python's unpickler maps Python 2 module names (Lib/_compat_pickle.py); the ones that
// matter for what a global reaches.
std::string compat_module(const std::string& module) {
  static const std::pair<const char*, const char*> kMap[] = {
      {"__builtin__", "builtins"}, {"exceptions", "builtins"}, {"copy_reg", "copyreg"},
      {"commands", "subprocess"},  {"cPickle", "pickle"},      {"UserDict", "collections"},
  };
  for (const auto& [from, to] : kMap) {
    if (module == from) return to;
  }
  return module;
}

std::vector<std::string> split_dots(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t dot = s.find('.', start);
    out.push_back(s.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return out;
    start = dot + 1;
  }
}

bool is_program_runner(const std::string& name) {
  static const char* kPrefixes[] = {"system", "popen", "exec", "spawn", "fork", "posix_spawn", "startfile"};
  for (const char* p : kPrefixes) {
    if (name.rfind(p, 0) == 0) return true;
  }
  return false;
}

// ---- Values ----------------------------------------------------------------------------

// A canonical key for hashable scalars (Python: True == 1 == 1.0), or nullopt.
std::optional<std::string> scalar_key(const Value& v) {
  switch (v.kind) {
    case Kind::kNone: return std::string("n");
    case Kind::kBool: return std::string(v.boolean ? "i1" : "i0");
    case Kind::kInt: return "i" + std::to_string(v.integer);
    case Kind::kBigInt: return "I" + v.text;
    case Kind::kFloat: {
      if (std::isnan(v.real)) return std::nullopt;  // NaN equals nothing
      if (v.real == std::trunc(v.real) && std::fabs(v.real) < 9.2e18) return "i" + std::to_string(static_cast<int64_t>(v.real));
      uint64_t bits;
      std::memcpy(&bits, &v.real, 8);
      return "f" + std::to_string(bits);
    }
    case Kind::kString: return "s" + v.text;
    case Kind::kBytes: return "b" + v.text;
    default: return std::nullopt;
  }
}

}  // namespace

const Value* Value::find(std::string_view key) const {
  for (const auto& [k, v] : entries) {
    if (k->kind == Kind::kString && k->text == key) return v;
  }
  return nullptr;
}

std::string Value::describe() const {
  switch (kind) {
    case Kind::kNone: return "None";
    case Kind::kBool: return boolean ? "True" : "False";
    case Kind::kInt: return "the integer " + std::to_string(integer);
    case Kind::kBigInt: return "an integer of " + std::to_string(text.size()) + " bytes";
    case Kind::kFloat: {
      char buf[40];
      std::snprintf(buf, sizeof buf, "the float %.17g", real);
      return buf;
    }
    case Kind::kString: return "the string '" + excerpt(text) + "'";
    case Kind::kBytes: return std::to_string(text.size()) + " bytes";
    case Kind::kTuple: return "a tuple of " + std::to_string(items.size()) + " values";
    case Kind::kList: return "a list of " + std::to_string(items.size()) + " values";
    case Kind::kDict: return "a dict of " + std::to_string(entries.size()) + " entries";
    case Kind::kSet: return "a set of " + std::to_string(items.size()) + " values";
    case Kind::kGlobal: return "the global " + excerpt(text, 200);
    case Kind::kObject: return "a placeholder for " + excerpt(text, 200);
    case Kind::kExternal: return "a persistent object (#" + std::to_string(integer) + ")";
  }
  return "a value";
}

std::optional<std::string> refused_global(const std::string& module_in, const std::string& name) {
  const std::string module = compat_module(module_in);
  const auto mod_parts = split_dots(module);
  const auto name_parts = split_dots(name);
  if (const char* why = refused_module(mod_parts[0])) {
    if ((mod_parts[0] == "os" || mod_parts[0] == "posix" || mod_parts[0] == "nt") && mod_parts.size() == 1 &&
        is_program_runner(name_parts[0])) {
      return std::string(kRunsProgram);
    }
    return std::string(why);
  }
  if (module == "builtins" || module == "io" || module == "_io") {
    if (module != "builtins" && (name_parts[0] == "open" || name_parts[0] == "FileIO" || name_parts[0] == "open_code")) {
      return std::string("opens files");
    }
    if (module == "builtins") {
      if (const char* why = refused_builtin(name_parts[0])) return std::string(why);
    }
  }
  if (name_parts.size() > 1) {
    // Protocol 4 resolves dotted names attribute by attribute: module "torch.serialization",
    // name "os.system" reaches os.system. Refuse paths through modules, builtins or dunders.
    for (size_t i = 0; i < name_parts.size(); ++i) {
      const std::string& part = name_parts[i];
      std::string rest, why;
      for (size_t j = i + 1; j < name_parts.size(); ++j) rest += (rest.empty() ? "" : ".") + name_parts[j];
      if (refused_module(part)) {
        why = *refused_global(part, rest.empty() ? part : rest);
      } else if (const char* b = refused_builtin(part)) {
        why = b;
      } else if (part.size() > 4 && part.rfind("__", 0) == 0) {
        why = "exposes the interpreter's internals";
      } else {
        continue;
      }
      return "reaches " + part + (rest.empty() ? "" : "." + rest) + " through an attribute path and " + why;
    }
  }
  return std::nullopt;
}

// ---- The machine -----------------------------------------------------------------------

class Machine {
 public:
  Machine(const ByteSource& src, uint64_t offset, const PickleOptions& options)
      : src_(src), options_(options), pos_(offset), buf_start_(offset) {
    const uint64_t rest = src.size() >= offset ? src.size() - offset : 0;
    const auto& L = options.limits;
    budget_ = L.alloc_base + (rest > (UINT64_MAX - L.alloc_base) / std::max<uint64_t>(L.alloc_per_byte, 1)
                                  ? UINT64_MAX - L.alloc_base
                                  : rest * L.alloc_per_byte);
    out_.begin_ = offset;
  }

  Pickle run() {
    if (pos_ > src_.size()) fail("starts at byte " + std::to_string(pos_) + ", past the end (" + std::to_string(src_.size()) + " bytes)");
    for (;;) {
      op_start_ = pos_;
      op_ = -1;
      if (pos_ >= src_.size()) fail("the input ends at byte " + std::to_string(pos_) + " before the pickle's STOP");
      op_ = read_u8();
      if (step()) break;
    }
    out_.end_ = pos_;
    return std::move(out_);
  }

 private:
  // ---- Errors and accounting ----
  [[noreturn]] void fail(const std::string& what) const {
    throw WeightsError(src_.name() + ": pickle byte " + std::to_string(op_start_) + ", opcode " + op_label(op_) + ": " + what);
  }

  void charge(uint64_t bytes) {
    if (bytes > budget_ - std::min(budget_, alloc_)) {
      fail("the pickle needs more than " + std::to_string(budget_) + " bytes of memory, more than its size allows");
    }
    alloc_ += bytes;
  }

  Value* make(Kind k) {
    charge(sizeof(Value) + sizeof(void*));
    out_.values_.push_back(std::make_unique<Value>());
    Value* v = out_.values_.back().get();
    v->kind = k;
    return v;
  }

  // ---- Input ----
  uint64_t remaining() const { return src_.size() - pos_; }

  void need(uint64_t n, const char* what) const {
    if (n > remaining()) {
      fail(std::string(what) + " needs " + std::to_string(n) + " bytes but only " + std::to_string(remaining()) +
           " remain (truncated)");
    }
  }

  void read_raw(void* out, uint64_t n) {
    auto* dst = static_cast<char*>(out);
    while (n > 0) {
      if (pos_ >= buf_start_ + buf_.size() || pos_ < buf_start_) {
        if (n >= kChunk) {  // large reads bypass the buffer
          src_.read(pos_, dst, n);
          pos_ += n;
          return;
        }
        const uint64_t len = std::min<uint64_t>(kChunk, src_.size() - pos_);
        buf_.resize(static_cast<size_t>(len));
        src_.read(pos_, buf_.data(), len);
        buf_start_ = pos_;
      }
      const uint64_t avail = buf_start_ + buf_.size() - pos_;
      const uint64_t take = std::min(avail, n);
      std::memcpy(dst, buf_.data() + (pos_ - buf_start_), static_cast<size_t>(take));
      dst += take;
      pos_ += take;
      n -= take;
    }
  }

  uint8_t read_u8() {
    need(1, "the opcode");
    uint8_t b;
    read_raw(&b, 1);
    return b;
  }

  uint64_t read_le(int n, const char* what) {
    need(static_cast<uint64_t>(n), what);
    unsigned char b[8];
    read_raw(b, static_cast<uint64_t>(n));
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | b[i];
    return v;
  }

  std::string read_string(uint64_t n, const char* what) {
    need(n, what);
    charge(n);
    std::string s(static_cast<size_t>(n), '\0');
    read_raw(s.data(), n);
    return s;
  }

  // A protocol 0 argument: the bytes up to the next newline (excluded).
  std::string read_line(const char* what) {
    std::string s;
    for (;;) {
      if (pos_ >= src_.size()) fail(std::string(what) + " has no terminating newline before the end of the input");
      if (pos_ < buf_start_ || pos_ >= buf_start_ + buf_.size()) {
        const uint64_t len = std::min<uint64_t>(kChunk, src_.size() - pos_);
        buf_.resize(static_cast<size_t>(len));
        src_.read(pos_, buf_.data(), len);
        buf_start_ = pos_;
      }
      const char* begin = buf_.data() + (pos_ - buf_start_);
      const size_t avail = static_cast<size_t>(buf_start_ + buf_.size() - pos_);
      const void* nl = std::memchr(begin, '\n', avail);
      const size_t take = nl ? static_cast<size_t>(static_cast<const char*>(nl) - begin) : avail;
      charge(take);
      s.append(begin, take);
      pos_ += take;
      if (nl) {
        ++pos_;
        return s;
      }
    }
  }

  // ---- Stack ----
  size_t fence() const { return marks_.empty() ? 0 : marks_.back(); }

  void push(Value* v) {
    if (stack_.size() >= options_.limits.max_stack) fail("more than " + std::to_string(options_.limits.max_stack) + " values on the stack");
    charge(sizeof(Value*));
    stack_.push_back(v);
  }

  Value* pop() {
    if (stack_.size() <= fence()) fail(marks_.empty() ? "the stack is empty" : "the stack holds nothing above the last MARK");
    Value* v = stack_.back();
    stack_.pop_back();
    return v;
  }

  Value* top() const {
    if (stack_.size() <= fence()) fail(marks_.empty() ? "the stack is empty" : "the stack holds nothing above the last MARK");
    return stack_.back();
  }

  // The values above the last MARK, which is removed.
  std::vector<Value*> pop_mark() {
    if (marks_.empty()) fail("no MARK is open");
    const size_t m = marks_.back();
    marks_.pop_back();
    std::vector<Value*> items(stack_.begin() + static_cast<std::ptrdiff_t>(m), stack_.end());
    stack_.resize(m);
    return items;
  }

  // ---- Containers ----
  void check_items(size_t n) const {
    if (n > options_.limits.max_items) fail("a container of more than " + std::to_string(options_.limits.max_items) + " values");
  }

  Value* make_sequence(Kind k, std::vector<Value*> items) {
    check_items(items.size());
    Value* v = make(k);
    charge(items.size() * sizeof(Value*));
    v->items = std::move(items);
    return v;
  }

  void append(Value* target, Value* item, const char* op) {
    if (target->kind != Kind::kList && target->kind != Kind::kObject) fail(std::string(op) + " on " + target->describe() + ", not a list");
    check_items(target->items.size() + 1);
    charge(sizeof(Value*));
    target->items.push_back(item);
  }

  void check_hashable(const Value* key, const char* what) const {
    if (key->kind == Kind::kList || key->kind == Kind::kDict || key->kind == Kind::kSet) {
      fail(std::string(what) + " is " + key->describe() + ", which is unhashable");
    }
  }

  void set_item(Value* target, Value* key, Value* value) {
    if (target->kind != Kind::kDict && target->kind != Kind::kObject) fail("SETITEM on " + target->describe() + ", not a dict");
    check_hashable(key, "a dict key");
    const auto k = scalar_key(*key);
    if (k) {
      auto& index = index_[target];
      auto it = index.find(*k);
      if (it != index.end()) {
        target->entries[it->second].second = value;
        return;
      }
      charge(k->size() + 64);
      index.emplace(*k, target->entries.size());
    }
    check_items(target->entries.size() + 1);
    charge(2 * sizeof(Value*));
    target->entries.push_back({key, value});
  }

  void add_to_set(Value* target, Value* item) {
    check_hashable(item, "a set member");
    const auto k = scalar_key(*item);
    if (k) {
      auto& index = index_[target];
      if (index.count(*k)) return;
      charge(k->size() + 64);
      index.emplace(*k, target->items.size());
    }
    check_items(target->items.size() + 1);
    charge(sizeof(Value*));
    target->items.push_back(item);
  }

  Value* make_set(const std::vector<Value*>& items) {
    Value* s = make(Kind::kSet);
    for (Value* v : items) add_to_set(s, v);
    return s;
  }

  // ---- Numbers and text ----
  Value* make_int(int64_t i) {
    Value* v = make(Kind::kInt);
    v->integer = i;
    return v;
  }

  // From little-endian two's-complement bytes (LONG1, LONG4).
  Value* make_long(std::string bytes) {
    // Drop redundant sign-extension bytes.
    while (bytes.size() > 1) {
      const auto last = static_cast<unsigned char>(bytes.back());
      const auto prev = static_cast<unsigned char>(bytes[bytes.size() - 2]);
      if ((last == 0x00 && !(prev & 0x80)) || (last == 0xff && (prev & 0x80))) bytes.pop_back();
      else break;
    }
    if (bytes.size() <= 8) {
      uint64_t u = 0;
      for (size_t i = bytes.size(); i-- > 0;) u = (u << 8) | static_cast<unsigned char>(bytes[i]);
      if (!bytes.empty() && bytes.size() < 8 && (static_cast<unsigned char>(bytes.back()) & 0x80)) {
        u |= ~uint64_t{0} << (8 * bytes.size());  // sign-extend
      }
      return make_int(static_cast<int64_t>(u));
    }
    Value* v = make(Kind::kBigInt);
    v->text = std::move(bytes);
    return v;
  }

  // From decimal text (INT, LONG), as Python's int(): optional sign, digits.
  Value* make_decimal(const std::string& s, const char* what) {
    size_t i = 0;
    bool negative = false;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
    if (i == s.size()) fail(std::string(what) + " '" + excerpt(s) + "' is not a decimal integer");
    for (size_t j = i; j < s.size(); ++j) {
      if (s[j] < '0' || s[j] > '9') fail(std::string(what) + " '" + excerpt(s) + "' is not a decimal integer");
    }
    if (s.size() - i > 4300) fail(std::string(what) + " has more than 4300 digits (Python's limit for converting text to integers)");
    // Magnitude in base 2^32 limbs.
    std::vector<uint32_t> limbs;
    for (size_t j = i; j < s.size(); ++j) {
      uint64_t carry = static_cast<uint64_t>(s[j] - '0');
      for (auto& l : limbs) {
        const uint64_t x = static_cast<uint64_t>(l) * 10 + carry;
        l = static_cast<uint32_t>(x);
        carry = x >> 32;
      }
      if (carry) limbs.push_back(static_cast<uint32_t>(carry));
    }
    std::string bytes;
    for (uint32_t l : limbs) {
      for (int k = 0; k < 4; ++k) bytes += static_cast<char>((l >> (8 * k)) & 0xff);
    }
    bytes += '\0';  // room for the sign bit
    if (negative) {  // two's complement: invert and add one
      bool carry = true;
      for (auto& c : bytes) {
        unsigned v = static_cast<unsigned char>(~static_cast<unsigned char>(c));
        if (carry) {
          ++v;
          carry = v > 0xff;
        }
        c = static_cast<char>(v & 0xff);
      }
    }
    return make_long(std::move(bytes));
  }

  Value* make_text(Kind k, std::string s) {
    Value* v = make(k);
    v->text = std::move(s);
    return v;
  }

  // STRING's argument: a quoted Python 2 repr, unescaped as codecs.escape_decode does.
  std::string unescape_string(const std::string& line) {
    if (line.size() < 2 || (line[0] != '\'' && line[0] != '"') || line.back() != line[0]) {
      fail("the STRING argument '" + excerpt(line) + "' is not quoted");
    }
    const std::string s = line.substr(1, line.size() - 2);
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '\\') {
        out += s[i];
        continue;
      }
      if (++i == s.size()) fail("the STRING argument ends with a lone backslash");
      const char c = s[i];
      switch (c) {
        case '\n': break;
        case '\\': out += '\\'; break;
        case '\'': out += '\''; break;
        case '"': out += '"'; break;
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'v': out += '\v'; break;
        case 'x': {
          const int h = i + 1 < s.size() ? hex_digit(s[i + 1]) : -1, l = i + 2 < s.size() ? hex_digit(s[i + 2]) : -1;
          if (h < 0 || l < 0) fail("the STRING argument has an invalid \\x escape");
          out += static_cast<char>(h * 16 + l);
          i += 2;
          break;
        }
        default:
          if (c >= '0' && c <= '7') {
            int v = c - '0';
            for (int k = 0; k < 2 && i + 1 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '7'; ++k) v = v * 8 + (s[++i] - '0');
            out += static_cast<char>(v & 0xff);
          } else {
            out += '\\';
            out += c;
          }
      }
    }
    return out;
  }

  // UNICODE's argument: raw-unicode-escape (\uXXXX, \UXXXXXXXX after an odd number of
  // backslashes; every other byte is a Latin-1 code point), as UTF-8.
  std::string decode_raw_unicode(const std::string& s) {
    std::string out;
    size_t backslashes = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      if ((c == 'u' || c == 'U') && backslashes % 2 == 1) {
        out.pop_back();  // the escaping backslash
        const size_t digits = c == 'u' ? 4 : 8;
        if (i + digits >= s.size()) fail("a truncated \\" + std::string(1, c) + " escape in UNICODE");
        uint32_t cp = 0;
        for (size_t k = 1; k <= digits; ++k) {
          const int d = hex_digit(s[i + k]);
          if (d < 0) fail("an invalid \\" + std::string(1, c) + " escape in UNICODE");
          cp = cp * 16 + static_cast<uint32_t>(d);
        }
        if (cp > 0x10ffff) fail("the code point in a \\U escape in UNICODE exceeds 0x10ffff");
        append_utf8(out, cp);
        i += digits;
        backslashes = 0;
        continue;
      }
      backslashes = c == '\\' ? backslashes + 1 : 0;
      append_utf8(out, static_cast<unsigned char>(c));
    }
    return out;
  }

  // UTF-8 text as Latin-1 bytes (bytearray and _codecs.encode at protocols < 3).
  std::string latin1(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size();) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c < 0x80) {
        out += static_cast<char>(c);
        ++i;
      } else if ((c & 0xe0) == 0xc0 && i + 1 < s.size() && (static_cast<unsigned char>(s[i + 1]) & 0xc0) == 0x80) {
        const unsigned cp = ((c & 0x1fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3fu);
        if (cp > 0xff) fail("a latin-1 text holds the code point " + std::to_string(cp));
        out += static_cast<char>(cp);
        i += 2;
      } else {
        fail("a latin-1 text holds a character beyond U+00FF or malformed UTF-8");
      }
    }
    return out;
  }

  // ---- Globals and calls ----
  Value* make_global(const std::string& module, const std::string& name) {
    const std::string python3_name = compat_module(module) + "." + name;
    if (auto why = refused_global(module, name)) {
      const std::string written = module + "." + name;
      throw WeightsError(src_.name() + " refused: it calls " + excerpt(python3_name, 200) +
                         (written != python3_name ? " (written " + excerpt(written, 200) + ")" : "") + ", which " + *why + " (" +
                         op_label(op_) + " at byte " + std::to_string(op_start_) + "; nothing from the file was run)");
    }
    return make_text(Kind::kGlobal, python3_name);
  }

  Value* placeholder(const std::string& name, Value* args, Value* kwargs) {
    Value* v = make_text(Kind::kObject, name);
    v->args = args;
    v->kwargs = kwargs;
    return v;
  }

  static const Value* arg(const Value* args, size_t i) { return i < args->items.size() ? args->items[i] : nullptr; }

  // REDUCE: callable(*args).
  Value* call(Value* callable, Value* args) {
    if (args->kind != Kind::kTuple) fail("the arguments are " + args->describe() + ", not a tuple");
    if (callable->kind == Kind::kObject) return placeholder(callable->text, args, nullptr);
    if (callable->kind != Kind::kGlobal) fail("calls " + callable->describe() + ", which is not callable");
    const std::string& g = callable->text;
    const size_t n = args->items.size();
    if (g == "collections.OrderedDict" || g == "builtins.dict") {
      Value* d = make(Kind::kDict);
      if (n == 0) return d;
      const Value* src = args->items[0];
      if (n == 1 && src->kind == Kind::kDict) {
        for (const auto& [k, v] : src->entries) set_item(d, k, v);
        return d;
      }
      if (n == 1 && (src->kind == Kind::kList || src->kind == Kind::kTuple)) {
        for (Value* pair : src->items) {
          if ((pair->kind != Kind::kList && pair->kind != Kind::kTuple) || pair->items.size() != 2) {
            fail(g + " is given " + pair->describe() + ", not a (key, value) pair");
          }
          set_item(d, pair->items[0], pair->items[1]);
        }
        return d;
      }
      fail(g + " is called with " + args->describe() + "; expected nothing or one sequence of pairs");
    }
    if (g == "builtins.set" || g == "builtins.frozenset") {
      if (n == 0) return make(Kind::kSet);
      const Value* src = args->items[0];
      if (n == 1 && (src->kind == Kind::kList || src->kind == Kind::kTuple || src->kind == Kind::kSet)) return make_set(src->items);
      fail(g + " is called with " + args->describe() + "; expected nothing or one sequence");
    }
    if (g == "builtins.bytearray" || g == "_codecs.encode") {
      if (n == 0 && g == "builtins.bytearray") return make(Kind::kBytes);
      const Value* a0 = arg(args, 0);
      const Value* a1 = arg(args, 1);
      if (a0) charge(a0->text.size());
      if (n == 1 && a0->kind == Kind::kBytes) return make_text(Kind::kBytes, a0->text);
      if (a0 && a0->kind == Kind::kString && (n == 1 || (n == 2 && a1->kind == Kind::kString))) {
        const std::string enc = n == 2 ? a1->text : "utf-8";
        if (enc == "latin-1" || enc == "latin1" || enc == "iso-8859-1") return make_text(Kind::kBytes, latin1(a0->text));
        if (enc == "utf-8" || enc == "utf8") return make_text(Kind::kBytes, a0->text);
        fail(g + " is asked for the encoding '" + excerpt(enc) + "' (only latin-1 and utf-8 are read)");
      }
      fail(g + " is called with " + args->describe() + "; expected bytes, or text and its encoding");
    }
    if (g == "torch.Size") {
      if (n == 0) return make(Kind::kTuple);
      const Value* a0 = args->items[0];
      if (n == 1 && (a0->kind == Kind::kTuple || a0->kind == Kind::kList)) return make_sequence(Kind::kTuple, a0->items);
      fail("torch.Size is called with " + args->describe() + "; expected one sequence");
    }
    if (g == "copyreg._reconstructor") {
      // copyreg._reconstructor(cls, base, state): an instance of cls.
      if (n != 3) fail("copyreg._reconstructor is called with " + args->describe() + "; expected (cls, base, state)");
      return instantiate(args->items[0], make(Kind::kTuple), nullptr, args->items[2]);
    }
    if (g == "copyreg.__newobj__") {
      if (n == 0) fail("copyreg.__newobj__ is called without a class");
      return instantiate(args->items[0], make_sequence(Kind::kTuple, {args->items.begin() + 1, args->items.end()}), nullptr, nullptr);
    }
    return placeholder(g, args, nullptr);
  }

  // NEWOBJ, NEWOBJ_EX, OBJ, INST: cls.__new__(cls, *args, **kwargs).
  Value* instantiate(Value* cls, Value* args, Value* kwargs, Value* state) {
    if (cls->kind == Kind::kObject) return placeholder(cls->text, args, kwargs);
    if (cls->kind != Kind::kGlobal) fail("instantiates " + cls->describe() + ", which is not a class");
    const std::string& g = cls->text;
    Value* v;
    if (g == "collections.OrderedDict" || g == "builtins.dict") {
      v = make(Kind::kDict);
    } else if (g == "builtins.set" || g == "builtins.frozenset") {
      v = make(Kind::kSet);
    } else if (g == "builtins.list") {
      v = make(Kind::kList);
    } else if (g == "builtins.bytearray") {
      v = make(Kind::kBytes);
    } else if (g == "torch.Size") {
      v = call(cls, args);
    } else {
      v = placeholder(g, args, kwargs);
    }
    if (state && state->kind != Kind::kNone) v->state = state;
    return v;
  }

  void build(Value* target, Value* state) {
    if (target->kind != Kind::kObject && target->kind != Kind::kDict) fail("BUILD sets the state of " + target->describe());
    target->state = state;
  }

  // ---- Memo ----
  Value* memo_get(uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end()) fail("the memo has no entry " + std::to_string(index));
    return it->second;
  }

  void memo_put(uint64_t index) {
    Value* v = top();
    auto it = memo_.find(index);
    if (it != memo_.end()) {
      it->second = v;
      return;
    }
    if (memo_.size() >= options_.limits.max_memo) fail("more than " + std::to_string(options_.limits.max_memo) + " memo entries");
    charge(48);
    memo_.emplace(index, v);
  }

  uint64_t parse_index(const std::string& line) {
    uint64_t v = 0;
    const char* b = line.data();
    const char* e = b + line.size();
    auto [p, ec] = std::from_chars(b, e, v);
    if (ec != std::errc() || p != e || line.empty()) fail("the memo index '" + excerpt(line) + "' is not a non-negative integer");
    return v;
  }

  double parse_float(const std::string& line) {
    std::string s = line;
    while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
    size_t start = 0;
    while (start < s.size() && s[start] == ' ') ++start;
    if (start < s.size() && s[start] == '+') ++start;
    double v = 0;
    const char* b = s.data() + start;
    const char* e = s.data() + s.size();
    auto [p, ec] = std::from_chars(b, e, v);
    if (b == e || p != e || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
      fail("'" + excerpt(line) + "' is not a float");
    }
    return v;
  }

  // ---- One opcode; true at STOP ----
  bool step() {
    switch (op_) {
      case PROTO: {
        const int v = read_u8();
        if (v > 5) fail("unsupported pickle protocol " + std::to_string(v));
        out_.protocol_ = v;
        return false;
      }
      case FRAME: {
        const uint64_t n = read_le(8, "FRAME's length");
        if (n > remaining()) fail("a frame of " + std::to_string(n) + " bytes runs past the end (" + std::to_string(remaining()) + " remain)");
        return false;
      }
      case STOP: {
        if (!marks_.empty()) fail(std::to_string(marks_.size()) + " MARK(s) still open");
        if (stack_.size() != 1) fail("the stack holds " + std::to_string(stack_.size()) + " values, not one");
        out_.root_ = stack_.back();
        return true;
      }
      case MARK:
        if (marks_.size() >= options_.limits.max_marks) fail("more than " + std::to_string(options_.limits.max_marks) + " open MARKs");
        charge(sizeof(size_t));
        marks_.push_back(stack_.size());
        return false;
      case POP:
        if (!marks_.empty() && marks_.back() == stack_.size()) {
          marks_.pop_back();  // as CPython: POP right after MARK discards the mark
        } else {
          pop();
        }
        return false;
      case POP_MARK:
        pop_mark();
        return false;
      case DUP:
        push(top());
        return false;
      case NONE:
        push(make(Kind::kNone));
        return false;
      case NEWTRUE:
      case NEWFALSE: {
        Value* v = make(Kind::kBool);
        v->boolean = op_ == NEWTRUE;
        push(v);
        return false;
      }
      case INT: {
        const std::string line = read_line("INT's argument");
        if (line == "00" || line == "01") {  // Python 2's protocol 0 booleans
          Value* v = make(Kind::kBool);
          v->boolean = line == "01";
          push(v);
        } else {
          push(make_decimal(line, "INT's argument"));
        }
        return false;
      }
      case BININT:
        push(make_int(static_cast<int32_t>(static_cast<uint32_t>(read_le(4, "BININT's argument")))));
        return false;
      case BININT1:
        push(make_int(static_cast<int64_t>(read_le(1, "BININT1's argument"))));
        return false;
      case BININT2:
        push(make_int(static_cast<int64_t>(read_le(2, "BININT2's argument"))));
        return false;
      case LONG: {
        std::string line = read_line("LONG's argument");
        if (!line.empty() && line.back() == 'L') line.pop_back();
        push(make_decimal(line, "LONG's argument"));
        return false;
      }
      case LONG1:
      case LONG4: {
        uint64_t n = op_ == LONG1 ? read_le(1, "LONG1's length") : read_le(4, "LONG4's length");
        if (op_ == LONG4 && static_cast<int32_t>(static_cast<uint32_t>(n)) < 0) fail("negative length");
        push(make_long(read_string(n, "the integer's bytes")));
        return false;
      }
      case FLOAT: {
        Value* v = make(Kind::kFloat);
        v->real = parse_float(read_line("FLOAT's argument"));
        push(v);
        return false;
      }
      case BINFLOAT: {
        need(8, "BINFLOAT's argument");
        unsigned char b[8];
        read_raw(b, 8);
        uint64_t bits = 0;
        for (unsigned char c : b) bits = (bits << 8) | c;  // big-endian
        Value* v = make(Kind::kFloat);
        std::memcpy(&v->real, &bits, 8);
        push(v);
        return false;
      }
      case STRING:
        push(make_text(Kind::kString, unescape_string(read_line("STRING's argument"))));
        return false;
      case BINSTRING: {
        const auto n = static_cast<int32_t>(static_cast<uint32_t>(read_le(4, "BINSTRING's length")));
        if (n < 0) fail("negative length");
        push(make_text(Kind::kString, read_string(static_cast<uint64_t>(n), "the string")));
        return false;
      }
      case SHORT_BINSTRING:
        push(make_text(Kind::kString, read_string(read_le(1, "SHORT_BINSTRING's length"), "the string")));
        return false;
      case UNICODE: {
        const std::string line = read_line("UNICODE's argument");
        charge(line.size() * 2);
        push(make_text(Kind::kString, decode_raw_unicode(line)));
        return false;
      }
      case BINUNICODE:
        push(make_text(Kind::kString, read_string(read_le(4, "BINUNICODE's length"), "the string")));
        return false;
      case SHORT_BINUNICODE:
        push(make_text(Kind::kString, read_string(read_le(1, "SHORT_BINUNICODE's length"), "the string")));
        return false;
      case BINUNICODE8:
        push(make_text(Kind::kString, read_string(read_le(8, "BINUNICODE8's length"), "the string")));
        return false;
      case BINBYTES:
        push(make_text(Kind::kBytes, read_string(read_le(4, "BINBYTES's length"), "the bytes")));
        return false;
      case SHORT_BINBYTES:
        push(make_text(Kind::kBytes, read_string(read_le(1, "SHORT_BINBYTES's length"), "the bytes")));
        return false;
      case BINBYTES8:
        push(make_text(Kind::kBytes, read_string(read_le(8, "BINBYTES8's length"), "the bytes")));
        return false;
      case BYTEARRAY8:
        push(make_text(Kind::kBytes, read_string(read_le(8, "BYTEARRAY8's length"), "the bytes")));
        return false;
      case NEXT_BUFFER:
        fail("out-of-band buffers (pickle protocol 5) are not supported");
      case READONLY_BUFFER:
        top();
        return false;
      case EMPTY_TUPLE:
        push(make(Kind::kTuple));
        return false;
      case TUPLE:
        push(make_sequence(Kind::kTuple, pop_mark()));
        return false;
      case TUPLE1:
      case TUPLE2:
      case TUPLE3: {
        const size_t n = static_cast<size_t>(op_ - TUPLE1 + 1);
        std::vector<Value*> items(n);
        for (size_t i = n; i-- > 0;) items[i] = pop();
        push(make_sequence(Kind::kTuple, std::move(items)));
        return false;
      }
      case EMPTY_LIST:
        push(make(Kind::kList));
        return false;
      case LIST:
        push(make_sequence(Kind::kList, pop_mark()));
        return false;
      case APPEND: {
        Value* item = pop();
        append(top(), item, "APPEND");
        return false;
      }
      case APPENDS: {
        auto items = pop_mark();
        Value* target = top();
        for (Value* item : items) append(target, item, "APPENDS");
        return false;
      }
      case EMPTY_DICT:
        push(make(Kind::kDict));
        return false;
      case DICT: {
        auto items = pop_mark();
        if (items.size() % 2) fail("DICT needs key-value pairs but has an odd number of values");
        Value* d = make(Kind::kDict);
        for (size_t i = 0; i < items.size(); i += 2) set_item(d, items[i], items[i + 1]);
        push(d);
        return false;
      }
      case SETITEM: {
        Value* value = pop();
        Value* key = pop();
        set_item(top(), key, value);
        return false;
      }
      case SETITEMS: {
        auto items = pop_mark();
        if (items.size() % 2) fail("SETITEMS needs key-value pairs but has an odd number of values");
        Value* target = top();
        for (size_t i = 0; i < items.size(); i += 2) set_item(target, items[i], items[i + 1]);
        return false;
      }
      case EMPTY_SET:
        push(make(Kind::kSet));
        return false;
      case ADDITEMS: {
        auto items = pop_mark();
        Value* target = top();
        if (target->kind == Kind::kObject) {
          for (Value* item : items) append(target, item, "ADDITEMS");
        } else if (target->kind == Kind::kSet) {
          for (Value* item : items) add_to_set(target, item);
        } else {
          fail("ADDITEMS on " + target->describe() + ", not a set");
        }
        return false;
      }
      case FROZENSET:
        push(make_set(pop_mark()));
        return false;
      case GET:
        push(memo_get(parse_index(read_line("GET's argument"))));
        return false;
      case BINGET:
        push(memo_get(read_le(1, "BINGET's index")));
        return false;
      case LONG_BINGET:
        push(memo_get(read_le(4, "LONG_BINGET's index")));
        return false;
      case PUT:
        memo_put(parse_index(read_line("PUT's argument")));
        return false;
      case BINPUT:
        memo_put(read_le(1, "BINPUT's index"));
        return false;
      case LONG_BINPUT:
        memo_put(read_le(4, "LONG_BINPUT's index"));
        return false;
      case MEMOIZE:
        memo_put(memo_.size());
        return false;
      case GLOBAL: {
        const std::string module = read_line("GLOBAL's module");
        const std::string name = read_line("GLOBAL's name");
        push(make_global(module, name));
        return false;
      }
      case STACK_GLOBAL: {
        Value* name = pop();
        Value* module = pop();
        if (module->kind != Kind::kString || name->kind != Kind::kString) {
          fail("STACK_GLOBAL needs two strings, not " + module->describe() + " and " + name->describe());
        }
        push(make_global(module->text, name->text));
        return false;
      }
      case REDUCE: {
        Value* args = pop();
        Value* callable = pop();
        push(call(callable, args));
        return false;
      }
      case BUILD: {
        Value* state = pop();
        build(top(), state);
        return false;
      }
      case NEWOBJ: {
        Value* args = pop();
        Value* cls = pop();
        if (args->kind != Kind::kTuple) fail("the arguments are " + args->describe() + ", not a tuple");
        push(instantiate(cls, args, nullptr, nullptr));
        return false;
      }
      case NEWOBJ_EX: {
        Value* kwargs = pop();
        Value* args = pop();
        Value* cls = pop();
        if (args->kind != Kind::kTuple) fail("the arguments are " + args->describe() + ", not a tuple");
        if (kwargs->kind != Kind::kDict) fail("the keyword arguments are " + kwargs->describe() + ", not a dict");
        push(instantiate(cls, args, kwargs, nullptr));
        return false;
      }
      case OBJ: {
        auto items = pop_mark();
        if (items.empty()) fail("OBJ needs a class after its MARK");
        Value* cls = items.front();
        push(instantiate(cls, make_sequence(Kind::kTuple, {items.begin() + 1, items.end()}), nullptr, nullptr));
        return false;
      }
      case INST: {
        const std::string module = read_line("INST's module");
        const std::string name = read_line("INST's name");
        Value* cls = make_global(module, name);
        push(instantiate(cls, make_sequence(Kind::kTuple, pop_mark()), nullptr, nullptr));
        return false;
      }
      case PERSID:
      case BINPERSID: {
        Value* pid = op_ == PERSID ? make_text(Kind::kString, read_line("PERSID's argument")) : pop();
        if (!options_.persistent_load) fail("a persistent id (" + pid->describe() + ") where none is expected");
        const PersistentObject obj = options_.persistent_load(*pid);
        if (obj.item >= 0) {
          if (pid->kind != Kind::kTuple || static_cast<size_t>(obj.item) >= pid->items.size()) {
            fail("the persistent-id loader chose item " + std::to_string(obj.item) + " of " + pid->describe());
          }
          push(pid->items[static_cast<size_t>(obj.item)]);
        } else {
          Value* v = make(Kind::kExternal);
          v->integer = obj.handle;
          push(v);
        }
        return false;
      }
      case EXT1:
      case EXT2:
      case EXT4: {
        const uint64_t code = read_le(op_ == EXT1 ? 1 : op_ == EXT2 ? 2 : 4, "the extension code");
        fail("extension registry code " + std::to_string(code) + " (copyreg extensions are not supported)");
      }
      default:
        fail("not a pickle opcode");
    }
  }

  static constexpr uint64_t kChunk = 64 * 1024;

  const ByteSource& src_;
  const PickleOptions& options_;
  uint64_t pos_;
  uint64_t op_start_ = 0;
  int op_ = -1;
  std::vector<char> buf_;
  uint64_t buf_start_;
  uint64_t alloc_ = 0, budget_ = 0;
  Pickle out_;
  std::vector<Value*> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, Value*> memo_;
  std::unordered_map<const Value*, std::unordered_map<std::string, size_t>> index_;
};

Pickle read_pickle(const ByteSource& source, uint64_t offset, const PickleOptions& options) {
  return Machine(source, offset, options).run();
}

}  // namespace dimp::weights::pickle
