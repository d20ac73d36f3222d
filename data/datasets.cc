#include "data/datasets.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace dimp::data {
namespace {

bool wanted(const std::vector<std::string>& only, const std::string& name) {
  return only.empty() || std::find(only.begin(), only.end(), name) != only.end();
}

std::vector<std::string> subdirs(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw DataError("folder not found: " + dir.string());
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_directory()) out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> read_lines(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw DataError("cannot open " + path.string());
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

void check_counts(const Sequence& s, const std::string& where) {
  if (s.ground_truth.size() != s.frames.size() && s.ground_truth.size() != 1) {
    throw DataError(s.dataset + " sequence " + s.name + ": " + std::to_string(s.frames.size()) + " frames but " +
                    std::to_string(s.ground_truth.size()) + " boxes in " + where);
  }
  if (!s.visible.empty() && s.visible.size() != s.frames.size()) {
    throw DataError(s.dataset + " sequence " + s.name + ": visibility flags for " + std::to_string(s.visible.size()) +
                    " of " + std::to_string(s.frames.size()) + " frames");
  }
}

// OTB-100's sequences that do not follow the plain layout (facts from the OTB toolkit's
// sequence list): several targets in one folder, frame ranges, 5-digit names, jpg/ folders.
struct OtbIrregular {
  const char* name;
  const char* folder;
  const char* images;
  int start, end, digits;
  const char* annotation;
};
const OtbIrregular kOtbIrregular[] = {
    {"BlurCar1", "BlurCar1", "img", 247, 988, 4, "groundtruth_rect.txt"},
    {"BlurCar3", "BlurCar3", "img", 3, 359, 4, "groundtruth_rect.txt"},
    {"BlurCar4", "BlurCar4", "img", 18, 397, 4, "groundtruth_rect.txt"},
    {"Board", "Board", "img", 1, 698, 5, "groundtruth_rect.txt"},
    {"David", "David", "img", 300, 770, 4, "groundtruth_rect.txt"},
    {"Human4_2", "Human4", "img", 1, 667, 4, "groundtruth_rect.2.txt"},
    {"Jogging_1", "Jogging", "img", 1, 307, 4, "groundtruth_rect.1.txt"},
    {"Jogging_2", "Jogging", "img", 1, 307, 4, "groundtruth_rect.2.txt"},
    {"KiteSurf", "KiteSurf", "jpg", 1, 84, 4, "groundtruth_rect.txt"},
    {"Skating2_1", "Skating2", "img", 1, 473, 4, "groundtruth_rect.1.txt"},
    {"Skating2_2", "Skating2", "img", 1, 473, 4, "groundtruth_rect.2.txt"},
};

// UAV123's sequences that are frame ranges of a shared folder (UAV123's configuration).
struct UavRange {
  const char* name;
  const char* folder;
  int start, end;
};
const UavRange kUavRanges[] = {
    {"bird1_1", "bird1", 1, 253},       {"bird1_2", "bird1", 775, 1477},      {"bird1_3", "bird1", 1573, 2437},
    {"car1_1", "car1", 1, 751},         {"car1_2", "car1", 751, 1627},        {"car1_3", "car1", 1627, 2629},
    {"car16_1", "car16", 1, 415},       {"car16_2", "car16", 415, 1993},      {"car6_1", "car6", 1, 487},
    {"car6_2", "car6", 487, 1807},      {"car6_3", "car6", 1807, 2953},       {"car6_4", "car6", 2953, 3925},
    {"car6_5", "car6", 3925, 4861},     {"car8_1", "car8", 1, 1357},          {"car8_2", "car8", 1357, 2575},
    {"group1_1", "group1", 1, 1333},    {"group1_2", "group1", 1333, 2515},   {"group1_3", "group1", 2515, 3925},
    {"group1_4", "group1", 3925, 4873}, {"group2_1", "group2", 1, 907},       {"group2_2", "group2", 907, 1771},
    {"group2_3", "group2", 1771, 2683}, {"group3_1", "group3", 1, 1567},      {"group3_2", "group3", 1567, 2827},
    {"group3_3", "group3", 2827, 4369}, {"group3_4", "group3", 4369, 5527},   {"person12_1", "person12", 1, 601},
    {"person12_2", "person12", 601, 1621}, {"person14_1", "person14", 1, 847}, {"person14_2", "person14", 847, 1813},
    {"person14_3", "person14", 1813, 2923}, {"person17_1", "person17", 1, 1501}, {"person17_2", "person17", 1501, 2347},
    {"person19_1", "person19", 1, 1243}, {"person19_2", "person19", 1243, 2791}, {"person19_3", "person19", 2791, 4357},
    {"person2_1", "person2", 1, 1189},  {"person2_2", "person2", 1189, 2623}, {"person4_1", "person4", 1, 1501},
    {"person4_2", "person4", 1501, 2743}, {"person5_1", "person5", 1, 877},   {"person5_2", "person5", 877, 2101},
    {"person7_1", "person7", 1, 1249},  {"person7_2", "person7", 1249, 2065}, {"person8_1", "person8", 1, 1075},
    {"person8_2", "person8", 1075, 1525}, {"truck4_1", "truck4", 1, 577},    {"truck4_2", "truck4", 577, 1261},
    {"uav1_1", "uav1", 1, 1555},        {"uav1_2", "uav1", 1555, 2377},       {"uav1_3", "uav1", 2473, 3469},
};

}  // namespace

std::vector<std::string> numbered_frames(const std::string& dir, int first, int last, int digits,
                                         const std::string& ext) {
  if (last < first) throw DataError("empty frame range " + std::to_string(first) + ".." + std::to_string(last) + " in " + dir);
  std::vector<std::string> out;
  out.reserve(static_cast<size_t>(last - first + 1));
  char name[64];
  for (int i = first; i <= last; ++i) {
    std::snprintf(name, sizeof name, "%0*d.%s", digits, i, ext.c_str());
    out.push_back((fs::path(dir) / name).string());
  }
  std::error_code ec;
  for (const auto& f : out) {
    if (!fs::exists(f, ec)) throw DataError("frame " + f + " not found (the sequence needs " + out.front() + " .. " + out.back() + ")");
  }
  return out;
}

std::vector<uint8_t> read_flags(const std::string& path) {
  std::vector<uint8_t> out;
  int lineno = 0;
  for (const auto& line : read_lines(path)) {
    ++lineno;
    for (double v : split_numbers(line, path + ":" + std::to_string(lineno))) {
      if (v != 0 && v != 1) throw DataError(path + ":" + std::to_string(lineno) + ": flags must be 0 or 1");
      out.push_back(static_cast<uint8_t>(v));
    }
  }
  return out;
}

namespace {

// Collector: the sequences a reader reads; a sequence that fails is recorded in `unreadable`
// when the caller passed one (the others are still read), else its DataError propagates.
class Collector {
 public:
  explicit Collector(std::vector<UnreadableSequence>* unreadable) : unreadable_(unreadable) {}
  template <class Read>
  void add(const std::string& name, Read&& read) {
    if (!unreadable_) {
      out_.push_back(read());
      return;
    }
    try {
      out_.push_back(read());
    } catch (const DataError& e) {
      unreadable_->push_back({name, e.what()});
    }
  }
  std::vector<Sequence> by_name() {
    std::sort(out_.begin(), out_.end(), [](const Sequence& a, const Sequence& b) { return a.name < b.name; });
    return std::move(out_);
  }
  std::vector<Sequence> in_order() { return std::move(out_); }

 private:
  std::vector<UnreadableSequence>* unreadable_;
  std::vector<Sequence> out_;
};

}  // namespace

std::vector<Sequence> read_otb(const std::string& root, const std::vector<std::string>& only,
                               std::vector<UnreadableSequence>* unreadable) {
  std::error_code ec;
  // A folder holding the layout's otb/ (as ../shared/data and its dev/ do) reads as that otb/.
  const fs::path nested = fs::path(root) / "otb";
  if (fs::is_directory(nested, ec) && !fs::exists(nested / "img", ec)) return read_otb(nested.string(), only, unreadable);
  Collector c(unreadable);
  std::set<std::string> irregular_folders;
  for (const auto& r : kOtbIrregular) irregular_folders.insert(r.folder);
  for (const auto& r : kOtbIrregular) {
    const fs::path dir = fs::path(root) / r.folder;
    if (!wanted(only, r.name) || !fs::is_directory(dir, ec)) continue;
    c.add(r.name, [&] {
      Sequence s;
      s.name = r.name;
      s.dataset = "otb";
      s.frames = numbered_frames((dir / r.images).string(), r.start, r.end, r.digits);
      s.ground_truth = read_rect_file((dir / r.annotation).string(), 1.0);
      check_counts(s, (dir / r.annotation).string());
      return s;
    });
  }
  for (const auto& name : subdirs(root)) {
    if (irregular_folders.count(name) || !wanted(only, name)) continue;
    c.add(name, [&] { return read_otb_sequence((fs::path(root) / name).string()); });
  }
  return c.by_name();
}

std::vector<Sequence> read_uav123(const std::string& root, const std::vector<std::string>& only,
                                  std::vector<UnreadableSequence>* unreadable) {
  const fs::path anno_dir = fs::path(root) / "anno" / "UAV123", image_dir = fs::path(root) / "data_seq" / "UAV123";
  std::error_code ec;
  if (!fs::is_directory(anno_dir, ec)) throw DataError("UAV123: annotation folder not found: " + anno_dir.string());
  Collector c(unreadable);
  for (const auto& e : fs::directory_iterator(anno_dir, ec)) {
    if (e.path().extension() != ".txt") continue;
    const std::string name = e.path().stem().string();
    if (!wanted(only, name)) continue;
    c.add(name, [&] {
      Sequence s;
      s.name = name;
      s.dataset = "uav";
      s.ground_truth = read_rect_file(e.path().string(), 1.0);
      std::string folder = name;
      int start = 1, end = static_cast<int>(s.ground_truth.size());
      for (const auto& r : kUavRanges) {
        if (name == r.name) folder = r.folder, start = r.start, end = r.end;
      }
      s.frames = numbered_frames((image_dir / folder).string(), start, end, 6);
      check_counts(s, e.path().string());
      return s;
    });
  }
  return c.by_name();
}

std::vector<Sequence> read_nfs(const std::string& root, const std::vector<std::string>& only,
                               std::vector<UnreadableSequence>* unreadable) {
  const fs::path anno_dir = fs::path(root) / "anno";
  std::error_code ec;
  if (!fs::is_directory(anno_dir, ec)) throw DataError("NFS: annotation folder not found: " + anno_dir.string());
  Collector c(unreadable);
  for (const auto& e : fs::directory_iterator(anno_dir, ec)) {
    const std::string stem = e.path().stem().string();
    if (e.path().extension() != ".txt" || stem.rfind("nfs_", 0) != 0) continue;
    const std::string name = stem.substr(4);
    if (!wanted(only, name) && !wanted(only, stem)) continue;
    c.add(name, [&] {
      Sequence s;
      s.name = name;
      s.dataset = "nfs";
      s.ground_truth = read_rect_file(e.path().string(), 1.0);
      s.frames = numbered_frames((fs::path(root) / "sequences" / name).string(), 1,
                                 static_cast<int>(s.ground_truth.size()), 5);
      check_counts(s, e.path().string());
      return s;
    });
  }
  return c.by_name();
}

std::vector<Sequence> read_lasot(const std::string& root, const std::vector<std::string>& only,
                                 std::vector<UnreadableSequence>* unreadable) {
  std::vector<std::string> names;
  std::error_code ec;
  const fs::path split = fs::path(root) / "testing_set.txt";
  if (fs::exists(split, ec)) {
    names = read_lines(split);
  } else {
    for (const auto& cls : subdirs(root)) {
      for (const auto& seq : subdirs(fs::path(root) / cls)) names.push_back(seq);
    }
  }
  Collector c(unreadable);
  for (const auto& name : names) {
    if (!wanted(only, name)) continue;
    c.add(name, [&] {
      const std::string cls = name.substr(0, name.rfind('-'));
      const fs::path dir = fs::path(root) / cls / name;
      Sequence s;
      s.name = name;
      s.dataset = "lasot";
      s.object_class = cls;
      s.ground_truth = read_rect_file((dir / "groundtruth.txt").string(), 1.0);
      s.frames = numbered_frames((dir / "img").string(), 1, static_cast<int>(s.ground_truth.size()), 8);
      // Visible unless fully occluded or out of view.
      if (fs::exists(dir / "full_occlusion.txt", ec) && fs::exists(dir / "out_of_view.txt", ec)) {
        auto occ = read_flags((dir / "full_occlusion.txt").string());
        auto oov = read_flags((dir / "out_of_view.txt").string());
        if (occ.size() != oov.size()) throw DataError("LaSOT " + name + ": occlusion and out-of-view flags differ in length");
        for (size_t i = 0; i < occ.size(); ++i) s.visible.push_back(!(occ[i] || oov[i]));
      }
      check_counts(s, (dir / "groundtruth.txt").string());
      return s;
    });
  }
  return c.in_order();
}

std::vector<Sequence> read_got10k(const std::string& root, const std::vector<std::string>& only,
                                  std::vector<UnreadableSequence>* unreadable) {
  std::error_code ec;
  const fs::path list = fs::path(root) / "list.txt";
  const std::vector<std::string> names = fs::exists(list, ec) ? read_lines(list) : subdirs(root);
  Collector c(unreadable);
  for (const auto& name : names) {
    if (!wanted(only, name)) continue;
    c.add(name, [&] {
      const fs::path dir = fs::path(root) / name;
      Sequence s;
      s.name = name;
      s.dataset = "got10k";
      s.frames = list_images(dir.string());
      s.ground_truth = read_rect_file((dir / "groundtruth.txt").string(), 0.0);  // one line on the test split
      if (fs::exists(dir / "absence.label", ec)) {
        for (uint8_t a : read_flags((dir / "absence.label").string())) s.visible.push_back(!a);
      }
      check_counts(s, (dir / "groundtruth.txt").string());
      return s;
    });
  }
  return c.in_order();
}

std::vector<Sequence> read_trackingnet(const std::string& root, const std::vector<std::string>& only,
                                       std::vector<UnreadableSequence>* unreadable) {
  const fs::path anno_dir = fs::path(root) / "anno", frames_dir = fs::path(root) / "frames";
  std::error_code ec;
  if (!fs::is_directory(anno_dir, ec)) throw DataError("TrackingNet: annotation folder not found: " + anno_dir.string());
  Collector c(unreadable);
  for (const auto& name : subdirs(frames_dir)) {
    if (!wanted(only, name)) continue;
    c.add(name, [&] {
      Sequence s;
      s.name = name;
      s.dataset = "trackingnet";
      s.ground_truth = read_rect_file((anno_dir / (name + ".txt")).string(), 0.0);
      // Frames are numbered 0.jpg, 1.jpg, ... without padding: order numerically.
      size_t count = 0;
      for (const auto& e : fs::directory_iterator(frames_dir / name, ec)) count += e.path().extension() == ".jpg";
      if (count == 0) throw DataError("TrackingNet " + name + ": no frames in " + (frames_dir / name).string());
      for (size_t i = 0; i < count; ++i) {
        s.frames.push_back((frames_dir / name / (std::to_string(i) + ".jpg")).string());
        if (!fs::exists(s.frames.back(), ec)) {
          throw DataError("TrackingNet " + name + ": frames not numbered 0.." + std::to_string(count - 1) + " (" +
                          s.frames.back() + " is missing)");
        }
      }
      check_counts(s, (anno_dir / (name + ".txt")).string());
      return s;
    });
  }
  return c.in_order();
}

std::vector<Sequence> read_vot(const std::string& root, const std::vector<std::string>& only,
                               std::vector<UnreadableSequence>* unreadable) {
  std::error_code ec;
  const fs::path list = fs::path(root) / "list.txt";
  const std::vector<std::string> names = fs::exists(list, ec) ? read_lines(list) : subdirs(root);
  Collector c(unreadable);
  for (const auto& name : names) {
    if (wanted(only, name)) c.add(name, [&] { return read_vot_sequence((fs::path(root) / name).string()); });
  }
  return c.in_order();
}

const std::vector<std::string>& dataset_names() {
  static const std::vector<std::string> names{"otb", "uav", "nfs", "lasot", "got10k", "trackingnet", "vot"};
  return names;
}

std::vector<Sequence> read_dataset(const std::string& dataset, const std::string& root,
                                   const std::vector<std::string>& only, std::vector<UnreadableSequence>* unreadable) {
  if (dataset == "otb") return read_otb(root, only, unreadable);
  if (dataset == "uav") return read_uav123(root, only, unreadable);
  if (dataset == "nfs") return read_nfs(root, only, unreadable);
  if (dataset == "lasot") return read_lasot(root, only, unreadable);
  if (dataset == "got10k") return read_got10k(root, only, unreadable);
  if (dataset == "trackingnet") return read_trackingnet(root, only, unreadable);
  if (dataset == "vot") return read_vot(root, only, unreadable);
  std::ostringstream msg;
  msg << "unknown dataset '" << dataset << "'; known:";
  for (const auto& n : dataset_names()) msg << " " << n;
  throw DataError(msg.str());
}

}  // namespace dimp::data
