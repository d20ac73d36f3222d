// data/submission.h — submission archives for the benchmarks whose test splits only their
// servers score, in the layouts their toolkits produce:
//
// | format      | archive entries                                   | as written by                  |
// | got10k      | <seq>/<seq>_001.txt: x,y,w,h a frame, commas,     | the GOT-10k toolkit's report() |
// |             | 0-based (%.3f); <seq>/<seq>_time.txt: seconds a   | for the test split (its result |
// |             | frame (%.8f); a folder per sequence (180 in test) | folder, zipped)                |
// | trackingnet | <seq>.txt at the root: x,y,w,h a frame, commas,   | pytracking's                   |
// |             | 0-based (%.2f); one per sequence (511 in TEST)    | pack_trackingnet_results       |
//
// Boxes come from the tracker's stored results (data/results.h); each is checked (one box per
// frame, a time per frame) before anything is written.
//
//   dimp::data::pack_submission("got10k", "results", "weight-free", {{"GOT-10k_Test_000001", 120}},
//                               "results/weight-free_got10k.zip");
#pragma once

#include <string>
#include <vector>

namespace dimp::data {

// SubmissionSequence: a sequence of the split and its number of frames.
struct SubmissionSequence {
  std::string name;
  size_t frames = 0;
};

// submission_formats: the formats pack_submission writes ("got10k", "trackingnet").
const std::vector<std::string>& submission_formats();

// pack_submission: the archive for `tracker`'s results of `sequences`, at `zip_path` (replaced
// only once complete). Returns the number of files in it. DataError naming the sequence and file
// when a result is missing, unreadable or of the wrong length, or for an unknown format.
size_t pack_submission(const std::string& format, const std::string& results_dir, const std::string& tracker,
                       const std::vector<SubmissionSequence>& sequences, const std::string& zip_path);

}  // namespace dimp::data
