#include "data/training_datasets.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

#include "data/datasets.h"
#include "data/ground_truth.h"
#include "data/sequence.h"

namespace fs = std::filesystem;

namespace dimp::data {
namespace {

SequenceInfo info_from(const std::vector<bbox::Box>& boxes, const std::vector<uint8_t>& visible) {
  SequenceInfo info;
  info.boxes = boxes;
  for (size_t i = 0; i < boxes.size(); ++i) {
    const bool flag = visible.empty() || visible[i];
    info.visible.push_back(flag && boxes[i].is_valid());
  }
  return info;
}

std::shared_ptr<TrainingDataset> from_sequences(const std::string& name, const std::vector<Sequence>& seqs,
                                               ImageDecoder decoder) {
  std::vector<FileTrainingDataset::Entry> entries;
  for (const auto& s : seqs) {
    if (!s.fully_annotated()) throw DataError(name + " sequence " + s.name + " is not fully annotated (a test split?)");
    entries.push_back({s.frames, info_from(s.ground_truth, s.visible)});
  }
  return std::make_shared<FileTrainingDataset>(name, std::move(entries), std::move(decoder));
}

}  // namespace

FileTrainingDataset::FileTrainingDataset(std::string name, std::vector<Entry> entries, ImageDecoder decoder, bool video)
    : name_(std::move(name)), entries_(std::move(entries)), decoder_(std::move(decoder)), video_(video) {
  if (entries_.empty()) throw DataError("training dataset " + name_ + " has no sequences");
  if (!decoder_) throw DataError("training dataset " + name_ + ": no image decoder");
}

at::Tensor FileTrainingDataset::frame(size_t s, size_t i) const { return decoder_(entries_.at(s).frames.at(i)); }

std::shared_ptr<TrainingDataset> got10k_train(const std::string& root, ImageDecoder decoder) {
  return from_sequences("got10k", read_got10k(root), std::move(decoder));
}

std::shared_ptr<TrainingDataset> lasot_train(const std::string& root, ImageDecoder decoder) {
  // Every sequence not in the test split (testing_set.txt) is a training sequence.
  std::vector<std::string> names;
  std::error_code ec;
  std::set<std::string> test;
  if (fs::exists(fs::path(root) / "testing_set.txt", ec)) {
    std::ifstream in(fs::path(root) / "testing_set.txt");
    std::string line;
    while (std::getline(in, line)) test.insert(line);
  }
  for (const auto& cls : fs::directory_iterator(root, ec)) {
    if (!cls.is_directory()) continue;
    for (const auto& seq : fs::directory_iterator(cls.path(), ec)) {
      const std::string n = seq.path().filename().string();
      if (seq.is_directory() && !test.count(n)) names.push_back(n);
    }
  }
  std::sort(names.begin(), names.end());
  // read_lasot reads testing_set.txt when present; pass the training names explicitly.
  std::vector<Sequence> seqs;
  for (const auto& n : names) {
    const std::string cls = n.substr(0, n.rfind('-'));
    const fs::path dir = fs::path(root) / cls / n;
    Sequence s;
    s.name = n;
    s.dataset = "lasot";
    s.ground_truth = read_rect_file((dir / "groundtruth.txt").string(), 1.0);
    s.frames = numbered_frames((dir / "img").string(), 1, static_cast<int>(s.ground_truth.size()), 8);
    if (fs::exists(dir / "full_occlusion.txt", ec) && fs::exists(dir / "out_of_view.txt", ec)) {
      auto occ = read_flags((dir / "full_occlusion.txt").string());
      auto oov = read_flags((dir / "out_of_view.txt").string());
      for (size_t i = 0; i < occ.size() && i < oov.size(); ++i) s.visible.push_back(!(occ[i] || oov[i]));
    }
    seqs.push_back(std::move(s));
  }
  return from_sequences("lasot", seqs, std::move(decoder));
}

std::shared_ptr<TrainingDataset> trackingnet_train(const std::string& root, const std::vector<int>& sets,
                                                  ImageDecoder decoder) {
  std::vector<Sequence> all;
  for (int set : sets) {
    auto part = read_trackingnet((fs::path(root) / ("TRAIN_" + std::to_string(set))).string());
    all.insert(all.end(), part.begin(), part.end());
  }
  return from_sequences("trackingnet", all, std::move(decoder));
}

std::vector<CocoInstance> parse_coco_instances(const std::string& text, const std::string& where, double min_side) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw DataError(where + ": not valid JSON (" + e.what() + ")");
  }
  if (!j.is_object() || !j.contains("images") || !j.contains("annotations") || !j["images"].is_array() ||
      !j["annotations"].is_array()) {
    throw DataError(where + ": expected lists 'images' and 'annotations' (COCO instance annotations)");
  }
  std::map<int64_t, std::string> files;
  std::vector<CocoInstance> out;
  // A field of the wrong type or a missing one names its entry: images[i] or annotations[i].
  size_t i = 0;
  std::string entry;
  try {
    for (i = 0, entry = "images"; i < j["images"].size(); ++i) {
      const auto& im = j["images"][i];
      const auto name = im.at("file_name").get<std::string>();
      if (name.empty() || fs::path(name).is_absolute() || name.find("..") != std::string::npos) {
        throw DataError(where + ": images[" + std::to_string(i) + "]: file_name '" + name +
                        "' must be a relative path inside the image folder");
      }
      files[im.at("id").get<int64_t>()] = name;
    }
    for (i = 0, entry = "annotations"; i < j["annotations"].size(); ++i) {
      const auto& a = j["annotations"][i];
      const auto& iscrowd = a.contains("iscrowd") ? a["iscrowd"] : nlohmann::json(0);
      if (!iscrowd.is_number_integer()) throw DataError(where + ": annotations[" + std::to_string(i) + "]: iscrowd must be 0 or 1");
      if (iscrowd.get<int64_t>() != 0) continue;
      const auto& b = a.at("bbox");
      if (!b.is_array() || b.size() != 4 || !std::all_of(b.begin(), b.end(), [](const auto& v) { return v.is_number(); })) {
        throw DataError(where + ": annotations[" + std::to_string(i) + "]: bbox must be 4 numbers");
      }
      const bbox::Box box{b[0].get<double>(), b[1].get<double>(), b[2].get<double>(), b[3].get<double>()};
      if (!box.is_valid() || box.w < min_side || box.h < min_side) continue;
      auto it = files.find(a.at("image_id").get<int64_t>());
      if (it == files.end()) {
        throw DataError(where + ": annotations[" + std::to_string(i) + "]: image_id " +
                        std::to_string(a.at("image_id").get<int64_t>()) + " is not among the images");
      }
      out.push_back({it->second, box});
    }
  } catch (const nlohmann::json::exception& e) {
    throw DataError(where + ": " + entry + "[" + std::to_string(i) + "]: " + e.what());
  }
  return out;
}

std::shared_ptr<TrainingDataset> coco(const std::string& annotation_json, const std::string& image_dir,
                                      ImageDecoder decoder, double min_side) {
  std::ifstream in(annotation_json);
  if (!in) throw DataError("cannot open COCO annotations " + annotation_json);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<FileTrainingDataset::Entry> entries;
  for (const auto& c : parse_coco_instances(text, annotation_json, min_side)) {
    entries.push_back({{(fs::path(image_dir) / c.file_name).string()}, info_from({c.box}, {})});
  }
  return std::make_shared<FileTrainingDataset>("coco", std::move(entries), std::move(decoder), /*video=*/false);
}

SyntheticTrainingDataset::SyntheticTrainingDataset(Options o) : options_(o) {
  if (o.sequences < 1 || o.frames < 20) throw DataError("synthetic training data: need >= 1 sequence of >= 20 frames");
  for (int s = 0; s < o.sequences; ++s) {
    SyntheticOptions so;
    so.width = o.width;
    so.height = o.height;
    so.frames = o.frames;
    so.seed = o.seed * 1000003ull + static_cast<uint64_t>(s);
    // Targets of 10..20 % of the smaller side (24..47 pixels in 320 x 240 frames).
    so.target_size = std::min(o.width, o.height) * (0.1 + 0.1 * static_cast<double>((so.seed * 7919) % 97) / 96.0);
    scenes_.emplace_back(so);
    SequenceInfo info;
    for (int t = 0; t < o.frames; ++t) {
      info.boxes.push_back(scenes_.back().box(t));
      info.visible.push_back(!scenes_.back().occluded(t));
    }
    infos_.push_back(std::move(info));
  }
}

at::Tensor SyntheticTrainingDataset::frame(size_t s, size_t i) const {
  return scenes_.at(s).render(static_cast<int>(i));
}

}  // namespace dimp::data
