#include "data/submission.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "data/ground_truth.h"
#include "data/results.h"
#include "data/zip_writer.h"

namespace fs = std::filesystem;

namespace dimp::data {
namespace {

std::string boxes_text(const std::vector<bbox::Box>& boxes, const char* format) {
  std::string out;
  char line[256];
  for (const auto& b : boxes) {
    std::snprintf(line, sizeof line, format, b.x, b.y, b.w, b.h);
    out += line;
  }
  return out;
}

}  // namespace

const std::vector<std::string>& submission_formats() {
  static const std::vector<std::string> formats{"got10k", "trackingnet"};
  return formats;
}

size_t pack_submission(const std::string& format, const std::string& results_dir, const std::string& tracker,
                       const std::vector<SubmissionSequence>& sequences, const std::string& zip_path) {
  const auto& formats = submission_formats();
  if (std::find(formats.begin(), formats.end(), format) == formats.end()) {
    throw DataError("no submission archive for format '" + format + "' (got10k, trackingnet)");
  }
  if (sequences.empty()) throw DataError("no sequences to pack for " + tracker);
  // Everything is read and checked first: a missing result leaves no archive behind.
  struct File {
    std::string name, text;
  };
  std::vector<File> files;
  std::vector<std::string> folders;
  for (const auto& seq : sequences) {
    const std::string path = result_path(format, results_dir, tracker, seq.name);
    std::error_code ec;
    if (!fs::exists(path, ec)) throw DataError(tracker + " on " + seq.name + ": no result file " + path);
    const auto boxes = read_rect_file(path, 0.0);
    if (boxes.size() != seq.frames) {
      throw DataError(tracker + " on " + seq.name + ": " + path + " holds " + std::to_string(boxes.size()) +
                      " boxes for " + std::to_string(seq.frames) + " frames");
    }
    if (format == "got10k") {
      const std::string time_path = (fs::path(path).parent_path() / (seq.name + "_time.txt")).string();
      if (!fs::exists(time_path, ec)) throw DataError(tracker + " on " + seq.name + ": no time file " + time_path);
      const auto seconds = read_seconds_file(time_path);
      if (seconds.size() != seq.frames) {
        throw DataError(tracker + " on " + seq.name + ": " + time_path + " holds " + std::to_string(seconds.size()) +
                        " times for " + std::to_string(seq.frames) + " frames");
      }
      std::string times;
      char line[64];
      for (double s : seconds) {
        std::snprintf(line, sizeof line, "%.8f\n", s);
        times += line;
      }
      folders.push_back(seq.name);
      files.push_back({seq.name + "/" + seq.name + "_001.txt", boxes_text(boxes, "%.3f,%.3f,%.3f,%.3f\n")});
      files.push_back({seq.name + "/" + seq.name + "_time.txt", times});
    } else {
      files.push_back({seq.name + ".txt", boxes_text(boxes, "%.2f,%.2f,%.2f,%.2f\n")});
    }
  }
  ZipWriter zip(zip_path);
  size_t f = 0;
  for (const auto& folder : folders) {
    zip.add_folder(folder);
    for (; f < files.size() && files[f].name.rfind(folder + "/", 0) == 0; ++f) zip.add(files[f].name, files[f].text);
  }
  for (; f < files.size(); ++f) zip.add(files[f].name, files[f].text);
  zip.finish();
  return files.size();
}

}  // namespace dimp::data
