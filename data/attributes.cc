#include "data/attributes.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>

#include "data/ground_truth.h"

namespace fs = std::filesystem;

namespace dimp::data {
namespace {

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw DataError("cannot open attribute file " + path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  while (!lines.empty() && lines.back().find_first_not_of(" \t\r") == std::string::npos) lines.pop_back();
  return lines;
}

uint8_t flag(double v, const std::string& where) {
  if (v != 0 && v != 1) throw DataError(where + ": attribute flags must be 0 or 1");
  return static_cast<uint8_t>(v);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

const std::vector<std::string>& otb_attribute_names() {
  static const std::vector<std::string> names{"IV", "OPR", "SV", "OCC", "DEF", "MB", "FM", "IPR", "OV", "BC", "LR"};
  return names;
}

const std::vector<std::string>& uav_attribute_names() {
  static const std::vector<std::string> names{"SV", "ARC", "LR", "FM", "FOC", "POC",
                                              "OV", "BC",  "IV", "VC", "CM",  "SOB"};
  return names;
}

std::vector<Attribute> read_vot_tags(const std::string& dir, size_t frames) {
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".tag" || ext == ".label")) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<Attribute> out;
  for (const auto& f : files) {
    const std::vector<std::string> lines = read_lines(f.string());
    if (lines.size() > frames) {
      throw DataError(f.string() + ": " + std::to_string(lines.size()) + " lines for a sequence of " +
                      std::to_string(frames) + " frames");
    }
    Attribute a;
    a.name = f.stem().string();
    a.frames.assign(frames, 0);
    for (size_t i = 0; i < lines.size(); ++i) {
      const std::string where = f.string() + ":" + std::to_string(i + 1);
      const auto v = split_numbers(lines[i], where);
      if (v.size() != 1) throw DataError(where + ": expected one 0/1 flag, found " + std::to_string(v.size()) + " values");
      a.frames[i] = flag(v[0], where);
    }
    out.push_back(std::move(a));
  }
  if (!out.empty()) {
    Attribute empty{"empty", std::vector<uint8_t>(frames, 1)};
    for (const auto& a : out) {
      for (size_t i = 0; i < frames; ++i) empty.frames[i] &= !a.frames[i];
    }
    out.push_back(std::move(empty));
  }
  return out;
}

std::vector<Attribute> read_sequence_attribute_file(const std::string& path, const std::vector<std::string>& names,
                                                    size_t frames) {
  const std::vector<std::string> lines = read_lines(path);
  std::vector<uint8_t> flags;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string where = path + ":" + std::to_string(i + 1);
    for (double v : split_numbers(lines[i], where)) {
      if (flags.size() == names.size()) {
        throw DataError(where + ": more than the " + std::to_string(names.size()) + " attribute flags expected");
      }
      flags.push_back(flag(v, where));
    }
  }
  if (flags.size() != names.size()) {
    throw DataError(path + ": " + std::to_string(flags.size()) + " attribute flags, expected " +
                    std::to_string(names.size()));
  }
  std::vector<Attribute> out;
  for (size_t k = 0; k < names.size(); ++k) out.push_back({names[k], std::vector<uint8_t>(frames, flags[k])});
  return out;
}

SequenceAttributes find_attributes(const Sequence& sequence, const std::string& dataset_root) {
  SequenceAttributes out;
  std::error_code ec;
  if (sequence.dataset == "vot" && !sequence.frames.empty()) {
    fs::path dir = fs::path(sequence.frames[0]).parent_path();
    if (dir.filename() == "color") dir = dir.parent_path();
    out.attributes = read_vot_tags(dir.string(), sequence.size());
    if (!out.attributes.empty()) out.source = dir.string() + "/*.tag";
    return out;
  }
  std::vector<fs::path> candidates;
  const std::vector<std::string>* names = nullptr;
  if (sequence.dataset == "otb") {
    names = &otb_attribute_names();
    // The toolkit names split sequences with a '-' (Jogging-1) where readers use '_'.
    std::string dashed = sequence.name;
    std::replace(dashed.begin(), dashed.end(), '_', '-');
    for (const std::string& n : {sequence.name, lower(sequence.name), dashed, lower(dashed)}) {
      candidates.push_back(fs::path(dataset_root) / "anno" / "att" / (n + ".txt"));
    }
  } else if (sequence.dataset == "uav") {
    names = &uav_attribute_names();
    candidates.push_back(fs::path(dataset_root) / "anno" / "UAV123" / "att" / (sequence.name + ".txt"));
  }
  for (const auto& c : candidates) {
    if (!fs::is_regular_file(c, ec)) continue;
    out.attributes = read_sequence_attribute_file(c.string(), *names, sequence.size());
    out.source = c.string();
    break;
  }
  return out;
}

std::vector<AttributeMetrics> attribute_metrics(const std::vector<std::vector<bbox::Box>>& predicted,
                                                const std::vector<std::vector<bbox::Box>>& truth,
                                                const std::vector<SequenceAttributes>& attributes) {
  if (predicted.size() != truth.size() || attributes.size() != truth.size()) {
    throw std::invalid_argument("attribute_metrics: " + std::to_string(predicted.size()) + " runs, " +
                                std::to_string(truth.size()) + " ground truths and " +
                                std::to_string(attributes.size()) + " attribute sets");
  }
  std::vector<std::string> order;
  std::map<std::string, std::vector<SequenceMetrics>> per_attribute;
  for (size_t s = 0; s < truth.size(); ++s) {
    for (const auto& a : attributes[s].attributes) {
      if (!per_attribute.count(a.name)) order.push_back(a.name);
      auto& list = per_attribute[a.name];
      if (predicted[s].empty()) continue;
      if (std::none_of(a.frames.begin(), a.frames.end(), [](uint8_t f) { return f != 0; })) continue;
      list.push_back(evaluate(predicted[s], truth[s], a.frames));
    }
  }
  std::vector<AttributeMetrics> out;
  for (const auto& name : order) {
    AttributeMetrics m;
    m.name = name;
    m.metrics = aggregate(per_attribute[name]);
    m.sequences = m.metrics.sequences;
    m.frames = m.metrics.frames;
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace dimp::data
