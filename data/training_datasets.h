// data/training_datasets.h — datasets for training (§3.6): video datasets (GOT-10k train,
// LaSOT train, TrackingNet train splits), COCO's images with instance boxes as one-frame
// sequences, and a synthetic generator that needs no downloads.
//
//   auto decode = [](const std::string& path) { return data::load_image(path); };  // OpenCV side
//   auto got = data::got10k_train("/data/GOT-10k/train", decode);
//   auto syn = data::SyntheticTrainingDataset({/*sequences=*/200});
//   auto info = got->info(17); at::Tensor frame = got->frame(17, info.boxes.size() / 2);
#pragma once

#include <ATen/ATen.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bbox/box.h"
#include "data/synthetic.h"

namespace dimp::data {

// SequenceInfo: per-frame boxes and visibility of one training sequence.
struct SequenceInfo {
  std::vector<bbox::Box> boxes;
  std::vector<uint8_t> visible;  // 1 where the target is visible (and its box valid)
  size_t frames() const { return boxes.size(); }
};

// TrainingDataset: what the set sampler draws from.
class TrainingDataset {
 public:
  virtual ~TrainingDataset() = default;
  virtual std::string name() const = 0;
  virtual size_t num_sequences() const = 0;
  // is_video: false for image datasets (COCO), whose one frame is repeated.
  virtual bool is_video() const { return true; }
  virtual const SequenceInfo& info(size_t sequence) const = 0;
  // frame: (3, H, W) uint8 RGB. Thread-safe.
  virtual at::Tensor frame(size_t sequence, size_t index) const = 0;
};

// ImageDecoder: path -> (3, H, W) uint8 RGB tensor (data/cv/image_io.h's load_image).
using ImageDecoder = std::function<at::Tensor(const std::string&)>;

// FileTrainingDataset: sequences of image files.
class FileTrainingDataset : public TrainingDataset {
 public:
  struct Entry {
    std::vector<std::string> frames;
    SequenceInfo info;
  };
  FileTrainingDataset(std::string name, std::vector<Entry> entries, ImageDecoder decoder, bool video = true);
  std::string name() const override { return name_; }
  size_t num_sequences() const override { return entries_.size(); }
  bool is_video() const override { return video_; }
  const SequenceInfo& info(size_t s) const override { return entries_.at(s).info; }
  at::Tensor frame(size_t s, size_t i) const override;

 private:
  std::string name_;
  std::vector<Entry> entries_;
  ImageDecoder decoder_;
  bool video_;
};

// Readers of the training splits (layouts as their evaluation readers in datasets.h).
std::shared_ptr<TrainingDataset> got10k_train(const std::string& root, ImageDecoder decoder);
std::shared_ptr<TrainingDataset> lasot_train(const std::string& root, ImageDecoder decoder);
// trackingnet_train: root holds TRAIN_0 .. TRAIN_11 folders; `sets` selects them.
std::shared_ptr<TrainingDataset> trackingnet_train(const std::string& root, const std::vector<int>& sets,
                                                  ImageDecoder decoder);
// CocoInstance: one object instance of a COCO annotation file: its image and box.
struct CocoInstance {
  std::string file_name;  // relative to the image folder
  bbox::Box box;          // 0-based x, y, w, h
};

// parse_coco_instances: the non-crowd instances with boxes of at least `min_side` pixels; a
// malformed file, entry or field is a DataError naming `where` and the entry (annotations[i]).
std::vector<CocoInstance> parse_coco_instances(const std::string& json_text, const std::string& where,
                                               double min_side = 8);

// coco: instance annotations (e.g. annotations/instances_train2017.json) and the image folder;
// every non-crowd instance with a box of at least `min_side` pixels becomes a sequence.
std::shared_ptr<TrainingDataset> coco(const std::string& annotation_json, const std::string& image_dir,
                                      ImageDecoder decoder, double min_side = 8);

// SyntheticTrainingDataset: sequences generated on demand (deterministic per index).
class SyntheticTrainingDataset : public TrainingDataset {
 public:
  struct Options {
    int sequences = 200;
    int frames = 60;
    int width = 320, height = 240;
    uint64_t seed = 1;
  };
  explicit SyntheticTrainingDataset(Options options);
  std::string name() const override { return "synthetic"; }
  size_t num_sequences() const override { return infos_.size(); }
  const SequenceInfo& info(size_t s) const override { return infos_.at(s); }
  at::Tensor frame(size_t s, size_t i) const override;

 private:
  Options options_;
  std::vector<SequenceInfo> infos_;
  std::vector<SyntheticScene> scenes_;
};

}  // namespace dimp::data
