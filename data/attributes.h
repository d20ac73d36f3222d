// data/attributes.h — the attributes a dataset annotates (occlusion, camera motion, ...), read
// from the files its toolkit uses, and success / precision scores per attribute.
//
// | dataset | file                                         | content                                  |
// | vot     | <seq>/<name>.tag (or the legacy .label)      | one 0/1 per frame; a shorter file is      |
// |         | beside the frames                            | padded with 0 (as the VOT toolkit does);  |
// |         |                                              | "empty" marks frames without any tag      |
// | otb     | <root>/anno/att/<Seq>.txt (the OTB toolkit's | 11 0/1 flags for the whole sequence, in   |
// |         | names; also lowercase, and Jogging-1 for     |                                           |
// |         | Jogging_1)                                   |                                           |
// |         | folder, placed in the dataset root)          | the toolkit's order: IV OPR SV OCC DEF MB |
// |         |                                              | FM IPR OV BC LR                           |
// | uav     | <root>/anno/UAV123/att/<seq>.txt (shipped    | 12 0/1 flags: SV ARC LR FM FOC POC OV BC  |
// |         | with UAV123)                                 | IV VC CM SOB                              |
//
// A per-sequence attribute marks every frame of its sequence. Scores per attribute follow the
// OTB toolkit: the sequences (here: frames) carrying it, each sequence weighing the same.
//
//   auto attrs = dimp::data::find_attributes(seq, "/data/vot");       // attrs.attributes[k].frames
//   auto table = dimp::data::attribute_metrics(predicted, truth, all_attrs);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bbox/box.h"
#include "data/metrics.h"
#include "data/sequence.h"

namespace dimp::data {

// Attribute: a name and one 0/1 flag per frame of the sequence.
struct Attribute {
  std::string name;
  std::vector<uint8_t> frames;
};

// SequenceAttributes: a sequence's attributes and where they came from (`source`: the files or
// folder read; empty when the dataset has none for the sequence).
struct SequenceAttributes {
  std::vector<Attribute> attributes;
  std::string source;
};

// otb_attribute_names, uav_attribute_names: the column order of the toolkits' files.
const std::vector<std::string>& otb_attribute_names();
const std::vector<std::string>& uav_attribute_names();

// read_vot_tags: every *.tag and *.label file of `dir` (sorted by name), each one 0/1 a line for
// up to `frames` frames, plus "empty". DataError naming file and line for any other value, or a
// file longer than the sequence.
std::vector<Attribute> read_vot_tags(const std::string& dir, size_t frames);

// read_sequence_attribute_file: one flag per name (0 or 1, separated by commas or spaces, on one
// or more lines), each applied to all `frames` frames. DataError naming file and line otherwise.
std::vector<Attribute> read_sequence_attribute_file(const std::string& path, const std::vector<std::string>& names,
                                                    size_t frames);

// find_attributes: a sequence's attributes where its dataset keeps them (table above).
// `dataset_root` is the folder that holds the sequence folders (for the shared data: its otb/
// or vot/ folder). Datasets without attribute files give none.
SequenceAttributes find_attributes(const Sequence& sequence, const std::string& dataset_root);

// AttributeMetrics: the scores of the frames carrying one attribute.
struct AttributeMetrics {
  std::string name;
  int sequences = 0;  // sequences with at least one scored frame carrying it
  int frames = 0;     // such frames
  DatasetMetrics metrics;
};

// attribute_metrics: for each attribute (in the order first seen), the predicted boxes of the
// frames carrying it scored against the truth (data::evaluate on those frames), aggregated over
// sequences. `predicted[i]`, `truth[i]`, `attributes[i]` are sequence i's; a sequence whose
// predictions are empty (a failed run) is left out.
std::vector<AttributeMetrics> attribute_metrics(const std::vector<std::vector<bbox::Box>>& predicted,
                                                const std::vector<std::vector<bbox::Box>>& truth,
                                                const std::vector<SequenceAttributes>& attributes);

}  // namespace dimp::data
