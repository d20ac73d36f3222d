// data/datasets.h — readers of the standard evaluation datasets, each in its official (or
// pytracking's) layout under a root folder. Every reader validates what it reads and throws
// DataError naming the offending file and line.
//
//   auto seqs = dimp::data::read_dataset("otb", "/data/OTB100");
//   auto one  = dimp::data::read_dataset("lasot", "/data/LaSOT", {"airplane-1"});
//
// | name        | layout under root                                                  | boxes      |
// | otb         | <Seq>/img/0001.jpg, <Seq>/groundtruth_rect[.N].txt (OTB-100's      | 1-based    |
// |             | irregular sequences: David 300-770, BlurCar*, Board, Jogging_1/2 …) |            |
// | uav         | data_seq/UAV123/<seq>/000001.jpg, anno/UAV123/<seq>.txt (split      | 1-based,   |
// |             | sequences such as bird1_2 are frame ranges of one folder)           | NaN=absent |
// | nfs         | sequences/<Seq>/00001.jpg, anno/nfs_<Seq>.txt (30 fps, pytracking)   | 1-based    |
// | lasot       | <class>/<class>-<n>/img/00000001.jpg, groundtruth.txt,              | 1-based    |
// |             | full_occlusion.txt, out_of_view.txt; testing_set.txt if present     |            |
// | got10k      | <seq>/00000001.jpg, groundtruth.txt, absence.label; list.txt        | 0-based    |
// | trackingnet | frames/<seq>/0.jpg, anno/<seq>.txt (a TEST or TRAIN_i folder)        | 0-based    |
// | vot         | <seq>/00000001.jpg or <seq>/color/…, groundtruth.txt (polygons)     | 0-based    |
#pragma once

#include <string>
#include <vector>

#include "data/sequence.h"

namespace dimp::data {

// dataset_names: the readers available.
const std::vector<std::string>& dataset_names();

// read_dataset: every sequence of the dataset under `root` (or only `only`, by name; the others
// are not read at all). With `unreadable`, a selected sequence that cannot be read is recorded
// there and the rest are still read; without it, its DataError propagates.
std::vector<Sequence> read_dataset(const std::string& dataset, const std::string& root,
                                   const std::vector<std::string>& only = {},
                                   std::vector<UnreadableSequence>* unreadable = nullptr);

// Individual readers (arguments as read_dataset's).
std::vector<Sequence> read_otb(const std::string& root, const std::vector<std::string>& only = {},
                               std::vector<UnreadableSequence>* unreadable = nullptr);
std::vector<Sequence> read_uav123(const std::string& root, const std::vector<std::string>& only = {},
                                  std::vector<UnreadableSequence>* unreadable = nullptr);
std::vector<Sequence> read_nfs(const std::string& root, const std::vector<std::string>& only = {},
                               std::vector<UnreadableSequence>* unreadable = nullptr);
std::vector<Sequence> read_lasot(const std::string& root, const std::vector<std::string>& only = {},
                                 std::vector<UnreadableSequence>* unreadable = nullptr);
std::vector<Sequence> read_got10k(const std::string& root, const std::vector<std::string>& only = {},
                                  std::vector<UnreadableSequence>* unreadable = nullptr);
std::vector<Sequence> read_trackingnet(const std::string& root, const std::vector<std::string>& only = {},
                                       std::vector<UnreadableSequence>* unreadable = nullptr);
std::vector<Sequence> read_vot(const std::string& root, const std::vector<std::string>& only = {},
                               std::vector<UnreadableSequence>* unreadable = nullptr);

// numbered_frames: <dir>/<first..last zero-padded to `digits`>.<ext>; throws DataError naming
// the first missing file.
std::vector<std::string> numbered_frames(const std::string& dir, int first, int last, int digits,
                                         const std::string& ext = "jpg");

// read_flags: one 0/1 value per line, or comma-separated on one line (LaSOT); DataError on others.
std::vector<uint8_t> read_flags(const std::string& path);

}  // namespace dimp::data
