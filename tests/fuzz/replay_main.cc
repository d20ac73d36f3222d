// tests/fuzz/replay_main.cc — runs a libFuzzer target (LLVMFuzzerTestOneInput) without
// libFuzzer: over every file of its corpus, then over seeded mutations of them (truncations,
// bit flips, byte insertions and deletions, spliced halves), a bounded number per file. Built
// with the normal toolchain it is a test in the suite; under AddressSanitizer (scripts/
// sanitize.sh) it checks the same inputs for memory errors. Coverage-guided fuzzing of the same
// target is scripts/fuzz.sh.
//
//   replay_main [--mutations N] corpus_dir_or_file...
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

void run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// mutate: one seeded edit of `s` (or of `s` spliced with `other`).
std::string mutate(const std::string& s, const std::string& other, std::mt19937_64& rng) {
  std::string m = s;
  auto pick = [&](size_t n) { return n == 0 ? size_t{0} : static_cast<size_t>(rng() % n); };
  switch (rng() % 6) {
    case 0:  // truncate
      m.resize(pick(m.size() + 1));
      break;
    case 1:  // flip a bit
      if (!m.empty()) m[pick(m.size())] ^= static_cast<char>(1u << (rng() % 8));
      break;
    case 2:  // an interesting byte
      if (!m.empty()) {
        const char values[] = {0, 1, '\x7f', '\x80', '\xff', '"', '-', '9', ',', '[', '{', '\n'};
        m[pick(m.size())] = values[pick(sizeof values)];
      }
      break;
    case 3:  // insert bytes
      m.insert(pick(m.size() + 1), std::string(1 + pick(8), static_cast<char>(rng())));
      break;
    case 4:  // delete a run
      if (!m.empty()) {
        const size_t at = pick(m.size());
        m.erase(at, 1 + pick(std::min<size_t>(16, m.size() - at)));
      }
      break;
    default:  // splice with another input
      m = m.substr(0, pick(m.size() + 1)) + other.substr(pick(other.size() + 1));
  }
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  int mutations = 300;
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--mutations" && i + 1 < argc) {
      mutations = std::atoi(argv[++i]);
      continue;
    }
    if (fs::is_directory(a)) {
      for (const auto& e : fs::recursive_directory_iterator(a)) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "replay: no corpus files given\n");
    return 2;
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> inputs;
  for (const auto& f : files) inputs.push_back(read_file(f));
  std::mt19937_64 rng(20261202);
  size_t runs = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    run(inputs[i]);
    ++runs;
    std::string current = inputs[i];
    for (int k = 0; k < mutations; ++k) {
      // Stacked edits: each mutation builds on the last, restarting from the seed now and then.
      current = mutate(k % 8 == 0 ? inputs[i] : current, inputs[rng() % inputs.size()], rng);
      run(current);
      ++runs;
    }
  }
  std::printf("replayed %zu corpus files and %zu inputs in all\n", inputs.size(), runs);
  return 0;
}
