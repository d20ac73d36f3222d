#include "backbones/tfjs/testing/tfjs_reference.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "tests/testing.h"

namespace fs = std::filesystem;

namespace dimp::backbones::tfjs {
namespace {

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::map<std::string, at::Tensor> run_tfjs_reference(const std::string& model_json,
                                                     const std::map<std::string, at::Tensor>& inputs,
                                                     const std::vector<std::string>& outputs) {
  const auto root = dimp::testing::source_root();
  if (!root) throw std::runtime_error("run_tfjs_reference: the source checkout was not found");
  const fs::path dir = fs::path(*root) / "tests" / "tfjs";
  if (!fs::exists(dir / "node_modules" / "@tensorflow" / "tfjs" / "package.json")) {
    throw std::runtime_error("the TF.js reference runtime is not installed in " + (dir / "node_modules").string() +
                             ": run scripts/setup.sh");
  }
  static int calls = 0;
  const fs::path work = dimp::testing::temp_path("tfjs_reference_" + std::to_string(calls++));
  fs::create_directories(work);
  std::string command = "/usr/bin/env node " + quote((dir / "run_model.js").string()) + " --model " +
                        quote(model_json) + " --out " + quote((work / "out").string());
  int index = 0;
  for (const auto& [name, value] : inputs) {
    const at::Tensor v = value.contiguous();
    if (v.scalar_type() != at::kFloat && v.scalar_type() != at::kInt) {
      throw std::runtime_error("run_tfjs_reference: input " + name + " must be float32 or int32");
    }
    const fs::path file = work / ("input" + std::to_string(index++) + ".bin");
    std::ofstream(file, std::ios::binary)
        .write(static_cast<const char*>(v.data_ptr()), static_cast<std::streamsize>(v.nbytes()));
    std::string shape;
    for (int64_t d : v.sizes()) shape += (shape.empty() ? "" : ",") + std::to_string(d);
    command += " --input " + quote(name + "=" + file.string() + ":" + (v.scalar_type() == at::kInt ? "int32:" : "") + shape);
  }
  for (const std::string& o : outputs) command += " --output " + quote(o);
  const fs::path log = work / "log.txt";
  command += " > " + quote(log.string()) + " 2>&1";
  if (std::system(command.c_str()) != 0) {
    throw std::runtime_error("TF.js reference failed (" + command + "):\n" + read_text(log));
  }
  const nlohmann::json index_json = nlohmann::json::parse(read_text(work / "out" / "outputs.json"));
  std::map<std::string, at::Tensor> result;
  for (const auto& entry : index_json) {
    const std::string dtype = entry.at("dtype").get<std::string>();
    const std::vector<int64_t> shape = entry.at("shape").get<std::vector<int64_t>>();
    const at::ScalarType type = dtype == "int32" ? at::kInt : dtype == "bool" ? at::kBool : at::kFloat;
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(type));
    const std::string bytes = read_text(work / "out" / entry.at("file").get<std::string>());
    if (bytes.size() != t.nbytes()) throw std::runtime_error("TF.js reference: " + entry.dump() + " has the wrong size");
    if (!bytes.empty()) std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
    result[entry.at("name").get<std::string>()] = t;
  }
  return result;
}

double max_relative_error(const at::Tensor& a, const at::Tensor& b) {
  const at::Tensor x = a.to(at::kDouble), y = b.to(at::kDouble);
  const double scale = y.abs().max().item<double>();
  return (x - y).abs().max().item<double>() / (scale > 0 ? scale : 1.0);
}

}  // namespace dimp::backbones::tfjs
