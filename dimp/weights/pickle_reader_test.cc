// The restricted pickle machine: Python's own pickles of one object at protocols 0-5 give the
// same inert tree; hand-written streams cover the text opcodes and the interpreted globals;
// globals that run code are refused by name; unknown ones stay placeholders; malformed
// streams name the file, the byte and the opcode; limits stop hostile streams early.
#include "dimp/weights/pickle_reader.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "dimp/weights/test_support.h"
#include "tests/python_support.h"

namespace dimp::weights::pickle {
namespace {

using namespace std::string_literals;

Pickle parse(const std::string& bytes, const PickleOptions& options = {}) {
  return read_pickle(*memory_source(bytes, "test.pkl"), 0, options);
}

// The message of the WeightsError reading `bytes` throws ("" and a test failure if none).
std::string error_of(const std::string& bytes, const PickleOptions& options = {}) {
  try {
    parse(bytes, options);
  } catch (const WeightsError& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted: " << ::testing::PrintToString(bytes);
  return "";
}

#define EXPECT_HAS(msg, needle) EXPECT_NE((msg).find(needle), std::string::npos) << "'" << (needle) << "' not in: " << (msg)

const Value& at(const Value& dict, const std::string& key) {
  const Value* v = dict.find(key);
  if (!v) throw std::runtime_error("no key " + key);
  return *v;
}

// The tree of tests/python/make_pickles.py's reference object.
void expect_reference(const Value& root, int proto) {
  SCOPED_TRACE("protocol " + std::to_string(proto));
  ASSERT_EQ(root.kind, Kind::kDict);
  ASSERT_EQ(root.entries.size(), 23u);
  EXPECT_TRUE(root.entries[0].first->is_string("int"));
  EXPECT_TRUE(root.entries[22].first->is_string("od"));
  EXPECT_EQ(at(root, "int").integer, 5);
  EXPECT_EQ(at(root, "neg").integer, -70000);
  EXPECT_EQ(at(root, "i32").integer, 2147483647);
  EXPECT_EQ(at(root, "i64").kind, Kind::kInt);
  EXPECT_EQ(at(root, "i64").integer, INT64_MIN);
  // 2^70 and -2^70 - 1 as minimal little-endian two's complement.
  EXPECT_EQ(at(root, "big").kind, Kind::kBigInt);
  EXPECT_EQ(at(root, "big").text, std::string("\0\0\0\0\0\0\0\0\x40", 9));
  EXPECT_EQ(at(root, "negbig").text, std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xbf", 9));
  EXPECT_EQ(at(root, "float").real, 1.5);
  EXPECT_EQ(at(root, "tiny").real, -2.5e-300);
  EXPECT_EQ(at(root, "true").kind, Kind::kBool);
  EXPECT_TRUE(at(root, "true").boolean);
  EXPECT_FALSE(at(root, "false").boolean);
  EXPECT_EQ(at(root, "none").kind, Kind::kNone);
  EXPECT_TRUE(at(root, "text").is_string("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80 \\u \n'\""));
  EXPECT_EQ(at(root, "bytes").kind, Kind::kBytes);
  EXPECT_EQ(at(root, "bytes").text, std::string("\x00\x01\xff'\n", 5));
  const Value& tuple = at(root, "tuple");
  ASSERT_EQ(tuple.kind, Kind::kTuple);
  ASSERT_EQ(tuple.items.size(), 3u);
  EXPECT_EQ(tuple.items[0]->integer, 1);
  EXPECT_TRUE(tuple.items[1]->is_string("a"));
  EXPECT_EQ(tuple.items[2]->kind, Kind::kNone);
  EXPECT_EQ(at(root, "empty_tuple").kind, Kind::kTuple);
  EXPECT_TRUE(at(root, "empty_tuple").items.empty());
  const Value& list = at(root, "list");
  ASSERT_EQ(list.kind, Kind::kList);
  ASSERT_EQ(list.items.size(), 2u);
  EXPECT_EQ(list.items[0]->real, 1.0);
  EXPECT_EQ(list.items[1]->items[1]->items[0]->integer, 3);
  EXPECT_EQ(at(root, "set").kind, Kind::kSet);
  ASSERT_EQ(at(root, "set").items.size(), 1u);
  EXPECT_EQ(at(root, "set").items[0]->integer, 4);
  EXPECT_EQ(at(root, "frozenset").kind, Kind::kSet);
  EXPECT_EQ(at(root, "frozenset").items.at(0)->integer, 5);
  EXPECT_EQ(at(root, "bytearray").kind, Kind::kBytes);
  EXPECT_EQ(at(root, "bytearray").text, "ab\xff");
  const Value& shared = at(root, "shared");
  ASSERT_EQ(shared.items.size(), 2u);
  EXPECT_EQ(shared.items[0], shared.items[1]);  // one node, as in Python
  EXPECT_EQ(shared.items[0]->items.at(1)->integer, 8);
  const Value& cycle = at(root, "cycle");
  ASSERT_EQ(cycle.items.size(), 1u);
  EXPECT_EQ(cycle.items[0], &cycle);
  const Value& settings = at(root, "settings");
  ASSERT_EQ(settings.kind, Kind::kObject);
  EXPECT_EQ(settings.text, "ltr.admin.settings.Settings");
  ASSERT_NE(settings.state, nullptr);
  EXPECT_EQ(at(*settings.state, "lr").real, 0.25);
  EXPECT_TRUE(at(*settings.state, "name").is_string("dimp"));
  EXPECT_EQ(at(at(root, "od"), "a").integer, 1);
}

TEST(PickleReader, PythonsPicklesOfEveryProtocolGiveTheSameTree) {
  if (!dimp::testing::python_with_torch()) GTEST_SKIP() << "/usr/bin/python3 (with python3-torch) is needed";
  const std::string dir = testing::unique_temp_dir("pickles");
  ASSERT_EQ(dimp::testing::run_python("tests/python/make_pickles.py", dir), 0);
  for (int proto = 0; proto <= 5; ++proto) {
    const std::string path = dir + "/p" + std::to_string(proto) + ".pkl";
    const Pickle p = read_pickle(*open_file_source(path));
    EXPECT_EQ(p.protocol(), proto >= 2 ? proto : 0);
    EXPECT_EQ(p.end(), std::filesystem::file_size(path));
    expect_reference(p.root(), proto);
  }
}

TEST(PickleReader, ReadsProtocolZeroTextOpcodes) {
  // INT, LONG, FLOAT, STRING (escapes), UNICODE (raw-unicode-escape), PUT/GET, DICT, LIST, TUPLE.
  const std::string s =
      "(dp0\n"
      "S'i'\nI-42\ns"
      "S'b'\nI01\ns"
      "S'l'\nL-123456789012345678901234567890L\ns"
      "S'f'\nF-0.125\ns"
      "S'inf'\nFinf\ns"
      "S's'\nS'a\\'b\\x41\\n\\101\\\\'\ns"
      "S\"q\"\nS\"it's\"\ns"
      "S'u'\nVx\\u00e9\\U0001F600\\\\u0041\ns"
      "S'list'\n(lp1\nI1\naI2\nag1\nas"
      "S'tup'\n(I3\nNtp2\ns"
      "S'again'\ng2\ns.";
  const Pickle p = parse(s);
  const Value& r = p.root();
  EXPECT_EQ(at(r, "i").integer, -42);
  EXPECT_EQ(at(r, "b").kind, Kind::kBool);
  EXPECT_TRUE(at(r, "b").boolean);
  EXPECT_EQ(at(r, "l").kind, Kind::kBigInt);
  EXPECT_EQ(at(r, "f").real, -0.125);
  EXPECT_TRUE(std::isinf(at(r, "inf").real));
  EXPECT_TRUE(at(r, "s").is_string("a'bA\nA\\"));
  EXPECT_TRUE(at(r, "q").is_string("it's"));
  // Two backslashes before u: the second escapes nothing, so "\\u0041" stays literal.
  EXPECT_TRUE(at(r, "u").is_string("x\xc3\xa9\xf0\x9f\x98\x80\\\\u0041"));
  const Value& list = at(r, "list");
  ASSERT_EQ(list.items.size(), 3u);
  EXPECT_EQ(list.items[2], &list);  // g1 is the list itself
  EXPECT_EQ(&at(r, "again"), &at(r, "tup"));
  EXPECT_EQ(at(r, "tup").items.at(0)->integer, 3);
}

TEST(PickleReader, ReadsBinaryOpcodesAndIntegersOfEveryWidth) {
  testing::PickleWriter w;
  w.proto(4).raw("\x95\x40\x00\x00\x00\x00\x00\x00\x00"s);  // FRAME
  w.mark().integer(255).integer(65535).integer(-1).integer(INT64_MAX);
  w.raw(std::string("\x8a\x00", 2));                   // LONG1 of no bytes: 0
  w.raw(std::string("\x8b\x02\x00\x00\x00\xff\x7f", 7));  // LONG4: 32767
  w.raw(std::string("G\xbf\xf8\x00\x00\x00\x00\x00\x00", 9));  // BINFLOAT -1.5
  w.raw(std::string("U\x02hi", 4)).raw(std::string("T\x01\x00\x00\x00!", 6));
  w.raw(std::string("C\x01z", 3)).raw(std::string("B\x02\x00\x00\x00zz", 7));
  w.raw(std::string("\x8e\x01\x00\x00\x00\x00\x00\x00\x00y", 10));
  w.raw(std::string("\x96\x01\x00\x00\x00\x00\x00\x00\x00w", 10));
  w.raw(std::string("\x8c\x01k\x8d\x01\x00\x00\x00\x00\x00\x00\x00j", 13));
  w.raw("\x88\x98");  // NEWTRUE, READONLY_BUFFER (a no-op on in-band data)
  w.tuple().stop();
  const Pickle p = parse(w.bytes());
  const auto& it = p.root().items;
  ASSERT_EQ(it.size(), 16u);
  EXPECT_EQ(it[0]->integer, 255);
  EXPECT_EQ(it[1]->integer, 65535);
  EXPECT_EQ(it[2]->integer, -1);
  EXPECT_EQ(it[3]->integer, INT64_MAX);
  EXPECT_EQ(it[4]->integer, 0);
  EXPECT_EQ(it[5]->integer, 32767);
  EXPECT_EQ(it[6]->real, -1.5);
  EXPECT_TRUE(it[7]->is_string("hi"));
  EXPECT_TRUE(it[8]->is_string("!"));
  for (int i : {9, 10, 11, 12}) EXPECT_EQ(it[i]->kind, Kind::kBytes);
  EXPECT_EQ(it[10]->text, "zz");
  EXPECT_TRUE(it[13]->is_string("k"));
  EXPECT_TRUE(it[14]->is_string("j"));
  EXPECT_TRUE(it[15]->boolean);
}

TEST(PickleReader, DictsAndSetsKeepPythonsSemantics) {
  // {1: 'a', True: 'b', 1.0: 'c', 'k': 1, b'k': 2}: 1 == True == 1.0 is one key, kept first,
  // holding the last value; the string and the bytes are different keys.
  testing::PickleWriter w;
  w.proto(2).empty_dict().mark().integer(1).str("a").boolean(true).str("b");
  w.raw(std::string("G\x3f\xf0\x00\x00\x00\x00\x00\x00", 9)).str("c");
  w.str("k").integer(1).raw(std::string("C\x01k", 3)).integer(2).setitems().stop();
  const Pickle p = parse(w.bytes());
  ASSERT_EQ(p.root().entries.size(), 3u);
  EXPECT_EQ(p.root().entries[0].first->integer, 1);
  EXPECT_TRUE(p.root().entries[0].second->is_string("c"));
  EXPECT_EQ(p.root().find("k")->integer, 1);
  // A set drops repeats.
  const Pickle s = parse(std::string("\x80\x04\x8f(K\x01K\x01\x88K\x02\x90.", 13));
  EXPECT_EQ(s.root().items.size(), 2u);
  EXPECT_HAS(error_of("}]]s."), "unhashable");
}

TEST(PickleReader, InterpretsOnlyTheAllowList) {
  // OrderedDict from pairs, torch.Size, set, bytearray from latin-1 text, _codecs.encode.
  testing::PickleWriter w;
  w.proto(2).mark();
  w.global("collections", "OrderedDict").mark().mark().mark().str("x").integer(1).tuple().tuple().tuple().reduce();
  w.global("torch", "Size").mark().tuple_of({2, 3}).tuple().reduce();
  w.global("__builtin__", "set").mark().mark().integer(1).raw("l").tuple().reduce();
  w.global("builtins", "bytearray").mark().str("\xc3\xbf!").str("latin-1").tuple().reduce();
  w.global("_codecs", "encode").mark().str("\xc3\xa9").str("latin1").tuple().reduce();
  w.tuple().stop();
  const Pickle p = parse(w.bytes());
  const auto& it = p.root().items;
  ASSERT_EQ(it.size(), 5u);
  EXPECT_EQ(it[0]->kind, Kind::kDict);
  EXPECT_EQ(it[0]->find("x")->integer, 1);
  EXPECT_EQ(it[1]->kind, Kind::kTuple);
  EXPECT_EQ(it[1]->items.at(1)->integer, 3);
  EXPECT_EQ(it[2]->kind, Kind::kSet);
  EXPECT_EQ(it[3]->text, "\xff!");
  EXPECT_EQ(it[4]->text, "\xe9");
  EXPECT_HAS(error_of("cbuiltins\nbytearray\n(X\x02\x00\x00\x00\xe2\x82X\x06\x00\x00\x00latin1tR."s), "latin-1");
}

TEST(PickleReader, UnknownGlobalsStayInertPlaceholders) {
  // pytracking's classes and an arbitrary function: REDUCE, NEWOBJ, BUILD, OBJ, INST, NEWOBJ_EX
  // and calling a placeholder all give placeholders naming the global; nothing runs.
  testing::PickleWriter w;
  w.proto(2).mark();
  w.global("ltr.admin.model_constructor", "NetConstructor").empty_tuple().newobj();
  w.empty_dict().mark().str("fun_name").str("dimpnet50").setitems().build();
  w.global("timeit", "timeit").mark().str("open('x', 'w')").tuple().reduce();
  w.global("numpy.core.multiarray", "_reconstruct").mark().tuple().reduce().mark().integer(1).tuple().reduce();
  w.mark().global("ltr.data", "Thing").integer(4).raw("o");                       // OBJ
  w.mark().integer(5).raw("iltr.data\nOther\n");                                    // INST
  w.global("ltr.data", "Kw").empty_tuple().empty_dict().raw("\x92");               // NEWOBJ_EX
  w.global("ltr.data", "ListLike").empty_tuple().reduce().mark().integer(1).raw("e");  // APPENDS on a placeholder
  w.tuple().stop();
  const Pickle p = parse(w.bytes());
  const auto& it = p.root().items;
  ASSERT_EQ(it.size(), 7u);
  for (const Value* v : it) EXPECT_EQ(v->kind, Kind::kObject) << v->describe();
  EXPECT_EQ(it[0]->text, "ltr.admin.model_constructor.NetConstructor");
  EXPECT_TRUE(it[0]->state->find("fun_name")->is_string("dimpnet50"));
  EXPECT_EQ(it[0]->describe(), "a placeholder for ltr.admin.model_constructor.NetConstructor");
  EXPECT_EQ(it[1]->text, "timeit.timeit");
  EXPECT_TRUE(it[1]->args->items.at(0)->is_string("open('x', 'w')"));
  EXPECT_EQ(it[2]->text, "numpy.core.multiarray._reconstruct");
  EXPECT_EQ(it[2]->args->items.at(0)->integer, 1);
  EXPECT_EQ(it[3]->text, "ltr.data.Thing");
  EXPECT_EQ(it[3]->args->items.at(0)->integer, 4);
  EXPECT_EQ(it[4]->text, "ltr.data.Other");
  EXPECT_EQ(it[5]->text, "ltr.data.Kw");
  EXPECT_NE(it[5]->kwargs, nullptr);
  EXPECT_EQ(it[6]->items.size(), 1u);
}

TEST(PickleReader, RefusesGlobalsThatRunCodeByName) {
  struct Case {
    const char* module;
    const char* name;
    const char* why;
  };
  const Case refused[] = {
      {"os", "system", "runs a program"},
      {"posix", "system", "runs a program"},
      {"nt", "system", "runs a program"},
      {"os", "popen", "runs a program"},
      {"os", "execv", "runs a program"},
      {"os", "remove", "operating system"},
      {"os.path", "join", "operating system"},
      {"subprocess", "call", "runs a program"},
      {"subprocess", "Popen", "runs a program"},
      {"commands", "getoutput", "runs a program"},  // Python 2's name for subprocess
      {"sys", "exit", "interpreter"},
      {"shutil", "rmtree", "deletes"},
      {"socket", "socket", "network"},
      {"importlib", "import_module", "imports"},
      {"runpy", "run_path", "runs Python"},
      {"pty", "spawn", "runs a program"},
      {"ctypes", "CDLL", "native code"},
      {"marshal", "loads", "bytecode"},
      {"pickle", "loads", "unpickles"},
      {"_pickle", "loads", "unpickles"},
      {"code", "InteractiveInterpreter", "runs Python code"},
      {"types", "FunctionType", "code objects"},
      {"webbrowser", "open", "browser"},
      {"builtins", "eval", "runs Python code"},
      {"builtins", "exec", "runs Python code"},
      {"__builtin__", "eval", "runs Python code"},
      {"builtins", "compile", "compiles"},
      {"builtins", "open", "opens files"},
      {"io", "open", "opens files"},
      {"builtins", "getattr", "any attribute"},
      {"builtins", "setattr", "any attribute"},
      {"builtins", "__import__", "imports any module"},
      {"__builtin__", "apply", "calls any function"},
      {"builtins", "input", "terminal"},
      {"builtins", "breakpoint", "debugger"},
      {"builtins", "globals", "namespaces"},
      {"builtins", "locals", "namespaces"},
      {"builtins", "vars", "namespaces"},
      {"torch.serialization", "os.system", "reaches os.system through an attribute path and runs a program"},
      {"torch", "_utils.sys.modules", "reaches sys.modules through an attribute path and reaches the Python"},
      {"builtins", "object.__subclasses__", "reaches __subclasses__ through an attribute path and exposes"},
      {"torch", "x.eval", "reaches eval through an attribute path and runs Python code"},
  };
  for (const auto& c : refused) {
    const auto why = refused_global(c.module, c.name);
    ASSERT_TRUE(why.has_value()) << c.module << "." << c.name;
    EXPECT_HAS(*why, c.why);
  }
  for (const auto& [m, n] : std::vector<std::pair<std::string, std::string>>{
           {"torch._utils", "_rebuild_tensor_v2"}, {"collections", "OrderedDict"}, {"torch", "FloatStorage"},
           {"ltr.admin.model_constructor", "NetConstructor"}, {"timeit", "timeit"}, {"builtins", "print"},
           {"osx", "system"}, {"numpy", "dtype"}, {"builtins", "set"}}) {
    EXPECT_FALSE(refused_global(m, n).has_value()) << m << "." << n;
  }
  // In a stream: GLOBAL (protocol 0), STACK_GLOBAL (protocol 4) and INST are refused at once,
  // naming the file, the global, why, the opcode and the byte.
  std::string msg = error_of("(lcos\nsystem\n(S'touch /tmp/x'\ntRa.");
  EXPECT_HAS(msg, "test.pkl refused: it calls os.system, which runs a program");
  EXPECT_HAS(msg, "GLOBAL (0x63) at byte 2");
  msg = error_of(std::string("\x80\x04\x8c\x13torch.serialization\x8c\x09os.system\x93.", 36));
  EXPECT_HAS(msg, "it calls torch.serialization.os.system, which reaches os.system through an attribute path and runs a program");
  EXPECT_HAS(msg, "STACK_GLOBAL");
  msg = error_of("(S'ls'\nicommands\ncheck_output\n.");
  EXPECT_HAS(msg, "it calls subprocess.check_output (written commands.check_output), which runs a program");
  EXPECT_HAS(msg, "INST");
  // Refused even where the global is never called (in a placeholder's state, a dict value).
  testing::PickleWriter w;
  w.proto(2).global("ltr.x", "Y").empty_tuple().newobj().empty_dict().mark().str("hook").global("builtins", "exec").setitems().build().stop();
  EXPECT_HAS(error_of(w.bytes()), "builtins.exec, which runs Python code");
}

TEST(PickleReader, MalformedStreamsNameFileByteAndOpcode) {
  struct Case {
    std::string bytes;
    std::string needle;
    std::string where;  // "byte N, opcode NAME"
  };
  const std::vector<Case> cases = {
      {"", "before the pickle's STOP", "byte 0, opcode (none"},
      {"\x80\x02", "before the pickle's STOP", "byte 2, opcode (none"},
      {"\x80\x02\xff.", "not a pickle opcode", "byte 2, opcode unknown (0xff)"},
      {"\x80\x09.", "unsupported pickle protocol 9", "byte 0, opcode PROTO"},
      {std::string("X\x10\x00\x00\x00" "abc", 8), "truncated", "byte 0, opcode BINUNICODE"},
      {std::string("\x8d\x00\x00\x00\x00\x00\x00\x00\x40", 9), "truncated", "opcode BINUNICODE8"},  // 2^62 bytes: refused before allocating
      {"a.", "the stack is empty", "byte 0, opcode APPEND"},
      {"(N.", "MARK(s) still open", "byte 2, opcode STOP"},
      {"NN.", "holds 2 values, not one", "opcode STOP"},
      {"h\x05.", "the memo has no entry 5", "byte 0, opcode BINGET"},
      {"]NNs.", "SETITEM on a list", "byte 3, opcode SETITEM"},
      {"cx\ny\nNR.", "not a tuple", "opcode REDUCE"},
      {"N)R.", "calls None, which is not callable", "opcode REDUCE"},
      {"I12x\n.", "is not a decimal integer", "opcode INT"},
      {"S'abc\n.", "is not quoted", "opcode STRING"},
      {"Vabc", "no terminating newline", "opcode UNICODE"},
      {"V\\u12\n.", "escape in UNICODE", "opcode UNICODE"},
      {std::string("\x8b\xff\xff\xff\xff.", 6), "negative length", "opcode LONG4"},
      {std::string("T\xff\xff\xff\xff.", 6), "negative length", "opcode BINSTRING"},
      {std::string("\x95\xff\xff\xff\xff\xff\xff\xff\x7f.", 10), "runs past the end", "opcode FRAME"},
      {"\x97.", "out-of-band buffers", "opcode NEXT_BUFFER"},
      {"\x82\x01.", "extension registry code 1", "opcode EXT1"},
      {"P1\n.", "persistent id", "opcode PERSID"},
      {"cx\ny\nN\x81.", "not a tuple", "opcode NEWOBJ"},
      {"0.", "the stack is empty", "opcode POP"},
      {"1.", "no MARK is open", "opcode POP_MARK"},
      {"(Nd.", "odd number", "opcode DICT"},
      {"((u.", "nothing above the last MARK", "opcode SETITEMS"},
      {"K\x01K\x02\x93.", "needs two strings", "opcode STACK_GLOBAL"},
      {"pabc\n.", "not a non-negative integer", "opcode PUT"},
      {"Lx\n.", "not a decimal integer", "opcode LONG"},
      {"F1.5x\n.", "is not a float", "opcode FLOAT"},
      {"NNb.", "BUILD sets the state of None", "opcode BUILD"},
      {"(\x8f\x90.", "the stack is empty", "opcode ADDITEMS"},
      {"N(\x90.", "ADDITEMS on None", "opcode ADDITEMS"},
      {"cbuiltins\nset\n(K\x01tR.", "expected nothing or one sequence", "opcode REDUCE"},
      {"ccopyreg\n_reconstructor\n)R.", "expected (cls, base, state)", "opcode REDUCE"},
      {"N)\x81.", "which is not a class", "opcode NEWOBJ"},
  };
  for (const auto& c : cases) {
    const std::string msg = error_of(c.bytes);
    EXPECT_HAS(msg, "test.pkl: pickle byte");
    EXPECT_HAS(msg, c.needle);
    EXPECT_HAS(msg, c.where);
  }
}

TEST(PickleReader, LimitsStopHostileStreams) {
  PickleOptions o;
  o.limits.max_stack = 100;
  EXPECT_HAS(error_of(std::string(101, 'N') + ".", o), "more than 100 values on the stack");
  o = {};
  o.limits.max_marks = 10;
  EXPECT_HAS(error_of(std::string(11, '(') + ".", o), "more than 10 open MARKs");
  o = {};
  o.limits.max_memo = 10;
  EXPECT_HAS(error_of("N" + std::string(11, '\x94') + ".", o), "more than 10 memo entries");
  EXPECT_NO_THROW(parse("N" + std::string(10, '\x94') + "0N.", o));
  o = {};
  o.limits.max_items = 5;
  EXPECT_HAS(error_of("](" + std::string(6, 'N') + "e.", o), "more than 5 values");
  EXPECT_HAS(error_of("(" + std::string(6, 'N') + "t.", o), "more than 5 values");
  o = {};
  o.limits.alloc_base = 4096;
  o.limits.alloc_per_byte = 1;
  EXPECT_HAS(error_of(std::string(200, 'N') + ".", o), "bytes of memory");
  // Python's own limit on converting text to integers.
  EXPECT_HAS(error_of("I" + std::string(4301, '7') + "\n."), "more than 4300 digits");
  EXPECT_EQ(parse("I" + std::string(4300, '7') + "\n.").root().kind, Kind::kBigInt);
}

TEST(PickleReader, DeepNestingAndCyclesAreSafe) {
  // 200000 nested lists: reading, describing and destroying never recurse.
  const int depth = 200000;
  {
    const Pickle p = parse(std::string(depth, ']') + std::string(depth - 1, 'a') + ".");
    const Value* v = &p.root();
    int n = 1;
    while (!v->items.empty()) v = v->items[0], ++n;
    EXPECT_EQ(n, depth);
  }
  // A list containing itself, a dict holding itself as its state.
  const Pickle p = parse("]q\x00h\x00" "a}q\x01h\x01" "b\x86."s);
  const Value& l = *p.root().items[0];
  EXPECT_EQ(l.items.at(0), &l);
  EXPECT_EQ(p.root().items[1]->state, p.root().items[1]);
  EXPECT_EQ(l.describe(), "a list of 1 values");
}

TEST(PickleReader, PersistentIdsGoToTheCallback) {
  std::vector<std::string> seen;
  PickleOptions o;
  o.persistent_load = [&](const Value& pid) -> PersistentObject {
    if (pid.kind == Kind::kString) {
      seen.push_back(pid.text);
      return {7};
    }
    if (pid.kind != Kind::kTuple) throw WeightsError("refused " + pid.describe());
    seen.push_back(pid.items.at(0)->text);
    if (pid.items.size() == 2) return {0, 1};  // stands for its second item
    if (pid.items.size() == 3) return {0, 5};  // a loader bug: no such item
    return {42};
  };
  const Pickle p = parse(std::string("\x80\x02(X\x07\x00\x00\x00storagetQPabc\n(X\x01\x00\x00\x00mK\x09tQ\x87.", 35), o);
  ASSERT_EQ(seen, (std::vector<std::string>{"storage", "abc", "m"}));
  EXPECT_EQ(p.root().items[0]->kind, Kind::kExternal);
  EXPECT_EQ(p.root().items[0]->integer, 42);
  EXPECT_EQ(p.root().items[1]->integer, 7);
  EXPECT_EQ(p.root().items[2]->kind, Kind::kInt);
  EXPECT_EQ(p.root().items[2]->integer, 9);
  EXPECT_HAS(error_of("NQ.", o), "refused None");
  EXPECT_HAS(error_of("(NNNtQ.", o), "the persistent-id loader chose item 5 of a tuple of 3 values");
}

TEST(PickleReader, ReadsConsecutivePicklesAtTheirOffsets) {
  const std::string bytes = std::string("\x80\x02K\x05.", 5) + "I6\n." + "trailing";
  const auto src = memory_source(bytes, "two.pkl");
  const Pickle a = read_pickle(*src, 0);
  EXPECT_EQ(a.root().integer, 5);
  EXPECT_EQ(a.end(), 5u);
  const Pickle b = read_pickle(*src, a.end());
  EXPECT_EQ(b.begin(), 5u);
  EXPECT_EQ(b.root().integer, 6);
  EXPECT_EQ(b.end(), 9u);
  EXPECT_THROW(read_pickle(*src, 100), WeightsError);
}

}  // namespace
}  // namespace dimp::weights::pickle
