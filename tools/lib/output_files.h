// tools/lib/output_files.h — where tools write: checked before any work starts, never over an
// input, never over an existing file unless the user said --force.
//
//   dimp::tools::check_output_file(output, force, source->files());   // throws std::invalid_argument
#pragma once

#include <string>
#include <vector>

namespace dimp::tools {

// check_output_file: `path` can be written: its folder exists and takes files, it is none of
// `inputs` (not even with --force), and it does not exist yet unless `force`.
void check_output_file(const std::string& path, bool force, const std::vector<std::string>& inputs);

// check_output_folder: `dir` exists or can be created and takes files; unless `force`, it holds
// no files yet (the tool would overwrite them).
void check_output_folder(const std::string& dir, bool force);

}  // namespace dimp::tools
