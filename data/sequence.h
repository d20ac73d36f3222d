// data/sequence.h — a tracking sequence (frame paths + ground truth) and the readers of the
// evaluation layouts found in the shared data folder (OTB, VOT).
//
//   auto seq = dimp::data::read_otb_sequence("/data/otb/Crossing");
//   for (size_t i = 0; i < seq.size(); ++i) use(seq.frames[i], seq.ground_truth[i]);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bbox/box.h"
#include "data/ground_truth.h"

namespace dimp::data {

// Sequence: frames in order and one box per frame. A frame whose target is absent or whose
// annotation is unknown holds an invalid box (w or h <= 0, or NaN).
struct Sequence {
  std::string name;
  std::string dataset;                // "otb", "vot", "uav", "nfs", "lasot", "got10k", "trackingnet"
  std::vector<std::string> frames;    // image paths
  std::vector<bbox::Box> ground_truth;  // per frame, or only the first (test splits)
  std::vector<uint8_t> visible;       // per frame 1/0 where the dataset says (LaSOT, GOT-10k); else empty
  std::string object_class;           // where the dataset names it

  size_t size() const { return frames.size(); }
  // fully_annotated: one ground-truth box per frame (test splits give only the first).
  bool fully_annotated() const { return ground_truth.size() == frames.size(); }
};

// list_images: image files (jpg, jpeg, png, bmp) of a folder in frame order: names compared
// with their digit runs as numbers (2.jpg before 10.jpg). When every name is a number the
// numbers must run without a gap or a repeat: a missing frame would pair every later image
// with the wrong box, so it is a DataError naming the missing frame.
std::vector<std::string> list_images(const std::string& dir);

// natural_less: `a` before `b` with digit runs compared as numbers ("img2" < "img10").
bool natural_less(const std::string& a, const std::string& b);

// read_otb_sequence: <dir>/img/*.jpg and <dir>/groundtruth_rect.txt (1-based x,y,w,h,
// comma or tab separated). `start_frame` (1-based) skips leading images, for OTB's
// sequences whose annotation starts later. Throws DataError when frame and box counts differ.
Sequence read_otb_sequence(const std::string& dir, int start_frame = 1);

// read_vot_sequence: <dir>/*.jpg (or <dir>/color/*.jpg) beside groundtruth.txt (polygons,
// converted by `rule`).
Sequence read_vot_sequence(const std::string& dir, PolygonToBox rule = PolygonToBox::kEnclosing);

// UnreadableSequence: a selected sequence that could not be read, and the reader's error.
struct UnreadableSequence {
  std::string name;
  std::string error;
};

// read_sequences_under: every sequence of root/otb/* and root/vot/* (or only those named in
// `only`; the others are not read), sorted by dataset, name. With `unreadable`, a sequence that
// cannot be read is recorded there and the rest are still read; without it, DataError.
std::vector<Sequence> read_sequences_under(const std::string& root, const std::vector<std::string>& only = {},
                                           std::vector<UnreadableSequence>* unreadable = nullptr);

}  // namespace dimp::data
