// dimp/version.h — the library version.
#pragma once

namespace dimp {

inline constexpr const char* kVersion = "0.1.0";

}  // namespace dimp
