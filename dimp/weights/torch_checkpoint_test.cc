// The PyTorch checkpoint reader: checkpoints written by torch.save (every dtype, views sharing
// a storage, 0-dim and empty tensors, nn.Parameter; zip and legacy formats; protocols 2 and 4)
// read back exactly and in order; the committed seed corpus reads without Python; structural
// faults in hand-made checkpoints are refused with a message naming the file and the fault;
// every truncation is refused and random byte flips are refused or read, never a crash.
#include "dimp/weights/torch_checkpoint.h"

#include <gtest/gtest.h>

#include <random>

#include "dimp/weights/safetensors.h"
#include "dimp/weights/test_support.h"
#include "tests/python_support.h"
#include "tests/testing.h"

namespace dimp::weights {
namespace {

using namespace std::string_literals;
using testing::PickleWriter;

#define EXPECT_HAS(msg, needle) EXPECT_NE((msg).find(needle), std::string::npos) << "'" << (needle) << "' not in: " << (msg)

std::string error_of(const std::string& bytes, const std::string& name = "hand-made.pth") {
  try {
    read_torch_checkpoint_bytes(bytes, name);
  } catch (const WeightsError& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted " << name;
  return "";
}

std::string corpus(const std::string& name) {
  auto root = dimp::testing::source_root();
  return (root ? *root : std::string(".")) + "/dimp/weights/fuzz/corpus/checkpoint/" + name;
}

std::vector<std::string> names_of(const TorchCheckpoint& c) {
  std::vector<std::string> out;
  for (const auto& [k, t] : c.tensors) out.push_back(k);
  return out;
}

void expect_tensor(const TorchCheckpoint& c, const std::string& name, const at::Tensor& want) {
  for (const auto& [k, t] : c.tensors) {
    if (k != name) continue;
    EXPECT_EQ(t.scalar_type(), want.scalar_type()) << name;
    EXPECT_EQ(t.sizes(), want.sizes()) << name;
    EXPECT_TRUE(t.is_contiguous()) << name;
    EXPECT_TRUE(t.device().is_cpu()) << name;
    if (t.scalar_type() == want.scalar_type() && t.sizes() == want.sizes()) {
      EXPECT_TRUE(at::equal(t, want)) << name << "\n" << t << "\n" << want;
    }
    return;
  }
  ADD_FAILURE() << "no tensor " << name;
}

// ---- Hand-made checkpoints ----

// A _rebuild_tensor_v2 call on a storage given by a persistent id (zip: 5 fields, legacy: 6).
void tensor_call(PickleWriter& w, const std::string& storage_type, const std::string& key, int64_t numel, int64_t offset,
                 const std::vector<int64_t>& sizes, const std::vector<int64_t>& strides, bool legacy = false) {
  w.global("torch._utils", "_rebuild_tensor_v2").mark();
  w.mark().str("storage").global("torch", storage_type).str(key).str("cpu").integer(numel);
  if (legacy) w.none();
  w.tuple().binpersid();
  w.integer(offset).tuple_of(sizes).tuple_of(strides).boolean(false);
  w.global("collections", "OrderedDict").empty_tuple().reduce();
  w.tuple().reduce();
}

// {'net': {name: tensor, ...}} around entries written by `body` (after MARK).
template <typename Body>
std::string net_pickle(Body body) {
  PickleWriter w;
  w.proto(2).empty_dict().mark().str("net").empty_dict().mark();
  body(w);
  w.setitems().setitems().stop();
  return w.bytes();
}

std::string float_bytes(const std::vector<float>& v) { return std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4); }

std::string zip_checkpoint(const std::string& pkl, const std::vector<std::pair<std::string, std::string>>& storages,
                           const std::vector<testing::ZipMember>& extra = {}) {
  std::vector<testing::ZipMember> m{{"archive/data.pkl", pkl}};
  for (const auto& [k, bytes] : storages) m.push_back({"archive/data/" + k, bytes});
  m.push_back({"archive/version", "3\n"});
  for (const auto& e : extra) m.push_back(e);
  return testing::make_zip(m);
}

// The legacy stream: magic, protocol version, sys_info, the main pickle, the storage keys,
// then per key its element count and bytes.
std::string legacy_checkpoint(const std::string& main, const std::vector<std::string>& keys,
                              const std::vector<std::pair<uint64_t, std::string>>& data, const std::string& magic_pickle = "",
                              const std::string& sys_info = "\x80\x02}."s) {
  std::string out = magic_pickle.empty() ? "\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19."s : magic_pickle;
  out += "\x80\x02M\xe9\x03."s;
  out += sys_info;
  out += main;
  PickleWriter k;
  k.proto(2).raw("]").mark();
  for (const auto& key : keys) k.str(key);
  k.raw("e").stop();
  out += k.bytes();
  for (const auto& [count, bytes] : data) {
    for (int i = 0; i < 8; ++i) out += static_cast<char>((count >> (8 * i)) & 0xff);
    out += bytes;
  }
  return out;
}

const std::vector<float> kSix = {0, 1, 2, 3, 4, 5};

TEST(TorchCheckpoint, RoundTripsEveryDtypeViewAndParameterInBothFormats) {
  if (!dimp::testing::python_with_torch()) GTEST_SKIP() << "/usr/bin/python3 with torch (python3-torch) is needed";
  const std::string dir = testing::unique_temp_dir("checkpoints");
  ASSERT_EQ(dimp::testing::run_python("tests/python/make_test_checkpoints.py", dir), 0);
  const std::map<std::string, std::vector<std::string>> order = {
      {"dtypes", {"f32", "f64", "f16", "bf16", "i64", "i32", "i16", "i8", "u8", "bool"}},
      {"views",
       {"base", "transposed", "rows_offset", "column", "strided", "element_0dim", "empty_slice", "expanded", "scalar", "empty",
        "parameter", "frozen_parameter", "num_batches_tracked"}}};
  for (const auto& [name, names] : order) {
    const auto expected = read_safetensors(dir + "/" + name + ".expected.safetensors");
    ASSERT_EQ(expected.size(), names.size());
    for (const std::string fmt : {"zip", "legacy"}) {
      for (const std::string variant : {"p2", "p4", "bare"}) {
        const std::string file = name + "_" + fmt + "_" + variant + ".pth";
        SCOPED_TRACE(file);
        const TorchCheckpoint c = read_torch_checkpoint(dir + "/" + file);
        EXPECT_EQ(c.format, fmt);
        EXPECT_EQ(names_of(c), names);
        for (const auto& [k, t] : expected) expect_tensor(c, k, t);
        if (variant == "bare") {
          EXPECT_TRUE(c.info.empty());
        } else {
          EXPECT_EQ(c.info, (std::map<std::string, std::string>{{"epoch", "7"}, {"net_type", "DiMPnet"}, {"actor_type", "DiMPActor"}}));
        }
      }
    }
  }
}

TEST(TorchCheckpoint, ReadsTheSeedCorpusWithoutPython) {
  const auto tiny = [](const TorchCheckpoint& c) {
    EXPECT_EQ(names_of(c), (std::vector<std::string>{"conv.weight", "conv.bias", "bn.weight", "bn.bias", "bn.running_mean",
                                                     "bn.running_var", "bn.num_batches_tracked", "mask"}));
    expect_tensor(c, "conv.weight", at::arange(18, at::kFloat).view({2, 1, 3, 3}) / 4);
    expect_tensor(c, "conv.bias", at::tensor({0.5f, -0.5f}));
    expect_tensor(c, "bn.running_var", at::tensor({4.f, 9.f}));
    expect_tensor(c, "bn.num_batches_tracked", at::scalar_tensor(3, at::kLong));
    expect_tensor(c, "mask", at::tensor({1, 0, 1}, at::kByte).to(at::kBool));
    EXPECT_EQ(c.info, (std::map<std::string, std::string>{{"epoch", "12"}, {"net_type", "TinyNet"}, {"actor_type", "TinyActor"}}));
  };
  TorchCheckpoint z = read_torch_checkpoint(corpus("valid_zip.pth"));
  EXPECT_EQ(z.format, "zip");
  tiny(z);
  TorchCheckpoint l = read_torch_checkpoint(corpus("valid_legacy.pth"));
  EXPECT_EQ(l.format, "legacy");
  tiny(l);
  for (const std::string f : {"views_legacy.pth", "views_zip_p4.pth"}) {
    SCOPED_TRACE(f);
    const TorchCheckpoint v = read_torch_checkpoint(corpus(f));
    const at::Tensor base = at::arange(12, at::kShort).view({3, 4});
    EXPECT_EQ(names_of(v), (std::vector<std::string>{"base", "t", "row", "col", "e", "s"}));
    expect_tensor(v, "base", base);
    expect_tensor(v, "t", base.t().contiguous());
    expect_tensor(v, "row", base[1]);
    expect_tensor(v, "col", base.select(1, 2).contiguous());
    expect_tensor(v, "e", at::empty({0, 4}, at::kShort));
    expect_tensor(v, "s", at::scalar_tensor(7, at::kLong));
  }
  // An unknown global beside an empty 'net': read, the global left inert.
  EXPECT_TRUE(read_torch_checkpoint(corpus("unknown_global_zip.pth")).tensors.empty());
  const std::string hostile = corpus("hostile_os_system.pkl");
  EXPECT_HAS(error_of(testing::read_file(hostile), hostile), hostile + " refused: it calls os.system, which runs a program");
  EXPECT_HAS(error_of(testing::read_file(corpus("truncated_zip.pth"))), "no end-of-central-directory record");
  EXPECT_HAS(error_of(testing::read_file(corpus("assorted_p0.pkl"))), "neither a zip archive nor a legacy PyTorch stream");
}

TEST(TorchCheckpoint, EveryTruncationIsRefused) {
  for (const std::string f : {"valid_zip.pth", "valid_legacy.pth", "views_legacy.pth"}) {
    const std::string bytes = testing::read_file(corpus(f));
    ASSERT_NO_THROW(read_torch_checkpoint_bytes(bytes, f));
    for (size_t n = 0; n < bytes.size(); ++n) {
      const std::string name = f + "[:" + std::to_string(n) + "]";
      EXPECT_HAS(error_of(bytes.substr(0, n), name), name);
    }
  }
}

TEST(TorchCheckpoint, RandomByteFlipsAreRefusedOrRead) {
  std::mt19937 rng(3);
  for (const std::string f : {"valid_zip.pth", "valid_legacy.pth", "views_legacy.pth"}) {
    const std::string bytes = testing::read_file(corpus(f));
    int refused = 0, read = 0;
    for (int trial = 0; trial < 300; ++trial) {
      std::string bad = bytes;
      const int flips = 1 + trial % 4;
      for (int k = 0; k < flips; ++k) bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
      try {
        const TorchCheckpoint c = read_torch_checkpoint_bytes(bad, "flipped-" + f);
        for (const auto& [k, t] : c.tensors) EXPECT_TRUE(t.is_contiguous()) << k;
        ++read;
      } catch (const WeightsError& e) {
        EXPECT_HAS(std::string(e.what()), "flipped-" + f);
        ++refused;
      }
    }
    EXPECT_EQ(refused + read, 300);
    EXPECT_GT(refused, 0) << f;
  }
}

TEST(TorchCheckpoint, HandMadeZipCheckpointsReadExactly) {
  // A float view, a stride-0 expansion of one storage, a parameter, and big-endian storages.
  const std::string pkl = net_pickle([](PickleWriter& w) {
    w.str("w");
    tensor_call(w, "FloatStorage", "0", 6, 1, {2, 2}, {3, 1});
    w.str("x");
    tensor_call(w, "FloatStorage", "0", 6, 0, {4, 3}, {0, 1});
    w.str("p").global("torch._utils", "_rebuild_parameter").mark();
    tensor_call(w, "FloatStorage", "0", 6, 3, {3}, {1});
    w.boolean(true).global("collections", "OrderedDict").empty_tuple().reduce().tuple().reduce();
  });
  const TorchCheckpoint c = read_torch_checkpoint_bytes(zip_checkpoint(pkl, {{"0", float_bytes(kSix)}}), "a.pth");
  EXPECT_EQ(names_of(c), (std::vector<std::string>{"w", "x", "p"}));
  expect_tensor(c, "w", at::tensor({1.f, 2.f, 4.f, 5.f}).view({2, 2}));
  expect_tensor(c, "x", at::tensor({0.f, 1.f, 2.f}).repeat({4, 1}));
  expect_tensor(c, "p", at::tensor({3.f, 4.f, 5.f}));

  std::string big;
  for (float v : {1.5f, -2.f}) {
    const char* p = reinterpret_cast<const char*>(&v);
    big += std::string{p[3], p[2], p[1], p[0]};
  }
  const std::string be = net_pickle([](PickleWriter& w) {
    w.str("b");
    tensor_call(w, "FloatStorage", "0", 2, 0, {2}, {1});
  });
  const TorchCheckpoint b = read_torch_checkpoint_bytes(zip_checkpoint(be, {{"0", big}}, {{"archive/byteorder", "big"}}), "be.pth");
  expect_tensor(b, "b", at::tensor({1.5f, -2.f}));
}

TEST(TorchCheckpoint, StructuralFaultsInZipCheckpointsGiveClearErrors) {
  const auto one = [](const std::string& type, const std::string& key, int64_t numel, int64_t offset, std::vector<int64_t> sizes,
                      std::vector<int64_t> strides) {
    return net_pickle([&](PickleWriter& w) {
      w.str("w");
      tensor_call(w, type, key, numel, offset, sizes, strides);
    });
  };
  const std::vector<std::pair<std::string, std::string>> six = {{"0", float_bytes(kSix)}};
  struct Case {
    std::string bytes;
    std::string needle;
  };
  std::vector<Case> cases = {
      {zip_checkpoint(one("FloatStorage", "0", 6, 1, {2, 3}, {3, 1}), six), "'net' entry 'w': offset 1, sizes [2, 3] and strides [3, 1] reach beyond storage '0' of 6 elements"},
      {zip_checkpoint(one("FloatStorage", "0", 6, 0, {2, 3}, {-3, 1}), six), "negative strides are not supported"},
      {zip_checkpoint(one("FloatStorage", "0", 6, 0, {2, -3}, {3, 1}), six), "negative sizes are not supported"},
      {zip_checkpoint(one("FloatStorage", "0", 6, 0, {2, 3}, {3}), six), "2 sizes but 1 strides"},
      {zip_checkpoint(one("FloatStorage", "0", 6, 0, {int64_t{1} << 62, int64_t{1} << 62}, {1, 1}), six), "reach beyond storage"},
      {zip_checkpoint(one("FloatStorage", "0", 6, 0, std::vector<int64_t>(65, 1), std::vector<int64_t>(65, 1)), six), "(at most 64)"},
      {zip_checkpoint(one("FloatStorage", "0", 7, 0, {2}, {1}), six), "storage '0' is announced with 7 elements of Float but its entry holds 24 bytes"},
      {zip_checkpoint(one("FloatStorage", "9", 6, 0, {2}, {1}), six), "storage '9' has no entry 'archive/data/9'"},
      {zip_checkpoint(one("ComplexFloatStorage", "0", 3, 0, {2}, {1}), six), "unsupported storage type torch.ComplexFloatStorage"},
      {zip_checkpoint(one("BoolStorage", "0", 24, 0, {2}, {1}), six), "bool storage '0' holds the byte 128 at element 6"},
      // 2^30 floats out of one stored float: the budget stops the expansion before allocating.
      {zip_checkpoint(one("FloatStorage", "0", 6, 0, {1 << 20, 1 << 10}, {0, 0}), six), "more than a file of this size can justify"},
      {zip_checkpoint(one("FloatStorage", "0", 6, 0, {2}, {1}), six, {{"archive/constants.pkl", ""}}), "TorchScript archive"},
      {zip_checkpoint(one("FloatStorage", "0", 6, 0, {2}, {1}), six, {{"archive/byteorder", "middle"}}), "says 'middle'"},
      {testing::make_zip({{"archive/version", "3\n"}}), "has no entry 'archive/data.pkl'"},
      {testing::make_zip({{"data.pkl", "."}}), "is not under a '<name>/' folder"},
  };
  const auto add = [&](const std::string& pkl, const std::string& needle) { cases.push_back({zip_checkpoint(pkl, six), needle}); };
  add(net_pickle([](PickleWriter& w) {
        w.str("w");
        tensor_call(w, "FloatStorage", "0", 6, 0, {2}, {1});
        w.str("v");
        tensor_call(w, "LongStorage", "0", 3, 0, {2}, {1});
      }),
      "storage '0' is announced as 6 Float and as 3 Long");
  add(net_pickle([](PickleWriter& w) { w.str("w").global("ltr.x", "Thing").empty_tuple().reduce(); }),
      "'net' entry 'w' is a placeholder for ltr.x.Thing, not a tensor");
  add(net_pickle([](PickleWriter& w) { w.integer(1).global("ltr.x", "Thing"); }), "a state dict key is the integer 1");
  add(net_pickle([](PickleWriter& w) {
        w.str("w").global("torch._utils", "_rebuild_tensor_v2").mark().mark().str("storage").global("torch", "FloatStorage");
        w.str("0").str("cpu").tuple().binpersid().tuple().reduce();
      }),
      "a persistent id is a tuple of 4 values");
  add(net_pickle([](PickleWriter& w) {
        w.str("w").global("torch._utils", "_rebuild_tensor_v2").mark().integer(5).integer(0).tuple_of({1}).tuple_of({1});
        w.boolean(false).none().tuple().reduce();
      }),
      "its storage is the integer 5, not a storage");
  add(net_pickle([](PickleWriter& w) {
        w.str("w").global("torch._utils", "_rebuild_tensor_v2").mark().integer(5).integer(0).tuple_of({1}).tuple_of({1});
        w.none().tuple().reduce();
      }),
      "takes 6 or 7 arguments, not 5");
  add(net_pickle([](PickleWriter& w) {
        w.str("w").global("torch._utils", "_rebuild_tensor_v2").mark().integer(5).integer(0).tuple_of({1}).tuple_of({1});
        w.integer(1).none().tuple().reduce();
      }),
      "requires_grad is the integer 1, not a bool");
  add(net_pickle([](PickleWriter& w) {
        w.str("p").global("torch._utils", "_rebuild_parameter").mark().global("torch._utils", "_rebuild_parameter").mark();
        tensor_call(w, "FloatStorage", "0", 6, 0, {2}, {1});
        w.boolean(false).none().tuple().reduce().boolean(false).none().tuple().reduce();
      }),
      "a parameter wraps another parameter");
  {
    PickleWriter w;
    w.proto(2).empty_dict().mark().str("net").raw("]").setitems().stop();
    add(w.bytes(), "its 'net' entry is a list of 0 values, not a state dict");
  }
  {
    PickleWriter w;
    w.proto(2).raw("]").stop();
    add(w.bytes(), "holds a list of 0 values, not a dict");
  }
  {
    PickleWriter w;
    w.proto(2).empty_dict().mark().str("model").empty_dict().setitems().stop();
    add(w.bytes(), "has no 'net' entry, and its top-level dict is not a dict of tensors: entry 'model' is a dict of 0 entries");
  }
  for (const auto& c : cases) {
    const std::string msg = error_of(c.bytes);
    EXPECT_HAS(msg, "hand-made.pth");
    EXPECT_HAS(msg, c.needle);
  }
}

TEST(TorchCheckpoint, LegacyStreamsReadViewsAndRefuseFaults) {
  const auto main = [](int64_t numel, const std::string& key = "0", bool view = false, int64_t view_offset = 2, int64_t view_size = 3) {
    return net_pickle([&](PickleWriter& w) {
      w.str("w").global("torch._utils", "_rebuild_tensor_v2").mark();
      w.mark().str("storage").global("torch.cuda", "FloatStorage").str(key).str("cuda:0").integer(numel);
      if (view) {
        w.mark().str("v").integer(view_offset).integer(view_size).tuple();
      } else {
        w.none();
      }
      w.tuple().binpersid().integer(0).tuple_of({3}).tuple_of({1}).boolean(false).none().tuple().reduce();
    });
  };
  // Old PyTorch's storage views, and storages saved from a GPU (torch.cuda.*Storage): read to the CPU.
  const TorchCheckpoint v = read_torch_checkpoint_bytes(legacy_checkpoint(main(6, "0", true), {"0"}, {{6, float_bytes(kSix)}}), "v.pth");
  EXPECT_EQ(v.format, "legacy");
  expect_tensor(v, "w", at::tensor({2.f, 3.f, 4.f}));
  const TorchCheckpoint plain = read_torch_checkpoint_bytes(legacy_checkpoint(main(6), {"0"}, {{6, float_bytes(kSix)}}), "p.pth");
  expect_tensor(plain, "w", at::tensor({0.f, 1.f, 2.f}));

  struct Case {
    std::string bytes;
    std::string needle;
  };
  const std::string six = float_bytes(kSix);
  const std::vector<Case> cases = {
      {legacy_checkpoint(main(6), {"0"}, {{6, six}}, "\x80\x02K\x05."s), "neither a zip archive nor a legacy PyTorch stream: its first pickle holds the integer 5"},
      {legacy_checkpoint(main(6), {"0"}, {{6, six}}).replace(18, 2, "\xe8\x03"s), "protocol version is the integer 1000, not 1001"},
      {legacy_checkpoint(main(6), {"0"}, {{6, six}}, "", "\x80\x02}X\x0d\x00\x00\x00little_endian\x89s."s), "big-endian machine"},
      {legacy_checkpoint(main(6), {"0"}, {{5, six}}), "storage '0' holds 5 elements at byte"},
      {legacy_checkpoint(main(6), {"0", "0"}, {{6, six}, {6, six}}), "names storage '0' twice"},
      {legacy_checkpoint(main(6), {"1"}, {{6, six}}), "names storage '1', which no persistent id announced"},
      {legacy_checkpoint(main(6), {"0"}, {{6, six.substr(0, 20)}}), "run past the end"},
      {legacy_checkpoint(main(6), {"0"}, {}), "element count at byte"},
      {legacy_checkpoint(main(6), {}, {}), "storage '0' has no data"},
      {legacy_checkpoint(main(6, "0", true, 4, 3), {"0"}, {{6, six}}), "storage view 'v' [4, +3) lies outside its storage '0' of 6 elements"},
      // torch.save(module): the class comes from a ('module', class, file, source) persistent id.
      {legacy_checkpoint(PickleWriter().proto(2).mark().str("module").global("ltr.models", "Net").str("net.py").str("src").tuple()
                             .binpersid().empty_tuple().newobj().stop().bytes(), {}, {}),
       "holds a placeholder for ltr.models.Net, not a dict"},
  };
  for (const auto& c : cases) {
    const std::string msg = error_of(c.bytes);
    EXPECT_HAS(msg, "hand-made.pth");
    EXPECT_HAS(msg, c.needle);
  }
}

}  // namespace
}  // namespace dimp::weights
