// data/results.h — tracker results in each benchmark's standard format, and reading them back
// (so an interrupted evaluation resumes where it stopped).
//
// | format      | file                                          | content                     |
// | otb, uav,   | <dir>/<tracker>/<seq>.txt                     | x<TAB>y<TAB>w<TAB>h, 1-based |
// | nfs, lasot  |                                               | (pytracking's layout)       |
// | got10k      | <dir>/<tracker>/<seq>/<seq>_001.txt,          | x,y,w,h 0-based; seconds    |
// |             | <dir>/<tracker>/<seq>/<seq>_time.txt          | per frame                   |
// | trackingnet | <dir>/<tracker>/<seq>.txt                     | x,y,w,h 0-based             |
// | vot         | <dir>/<tracker>/unsupervised/<seq>/<seq>_001.txt | "1", then x,y,w,h per frame |
// |             | (the VOT stack's unsupervised experiment: one run without resets; the    |
// |             | baseline experiment's runs, with resets, are data/vot.h's trajectories   |
// |             | in <dir>/<tracker>/baseline/<seq>/<seq>_001.txt)                          |
//
//   dimp::data::write_results("got10k", "results", "weight-free", seq.name, boxes, times);
//   auto previous = dimp::data::read_results("got10k", "results", "weight-free", seq.name, seq.size());
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bbox/box.h"

namespace dimp::data {

// check_result_format: throws DataError naming the known formats unless `format` is one.
void check_result_format(const std::string& format);

// result_path: where the boxes of (tracker, sequence) go for a dataset's format.
std::string result_path(const std::string& format, const std::string& dir, const std::string& tracker,
                        const std::string& sequence);

// write_results: boxes (0-based, continuous) and optional per-frame seconds; creates folders.
void write_results(const std::string& format, const std::string& dir, const std::string& tracker,
                   const std::string& sequence, const std::vector<bbox::Box>& boxes,
                   const std::vector<double>& seconds = {});

// read_results: the stored boxes when a complete result (exactly `frames` boxes) exists.
std::optional<std::vector<bbox::Box>> read_results(const std::string& format, const std::string& dir,
                                                   const std::string& tracker, const std::string& sequence,
                                                   size_t frames);

// read_seconds_file: one time in seconds a line (GOT-10k's <seq>_time.txt), each finite and
// non-negative; DataError naming file and line otherwise.
std::vector<double> read_seconds_file(const std::string& path);

}  // namespace dimp::data
