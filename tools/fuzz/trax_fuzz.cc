// Fuzz target: TraX messages, regions and image references as a client could send them, one line
// at a time. Every line must be read or refused with a TraxError, and a message that is read must
// come back unchanged through format_message (the server's own replies are read by the client).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "tools/lib/trax.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace trax = dimp::tools::trax;
  const std::string input(reinterpret_cast<const char*>(data), size);
  size_t start = 0;
  while (start <= input.size()) {
    size_t end = input.find('\n', start);
    if (end == std::string::npos) end = input.size();
    const std::string line = input.substr(start, end - start);
    start = end + 1;
    try {
      const trax::Message m = trax::parse_message(line);
      const trax::Message back = trax::parse_message(trax::format_message(m));
      if (back.type != m.type || back.arguments != m.arguments || back.properties != m.properties) std::abort();
      for (const auto& a : m.arguments) {
        try {
          const trax::Region r = trax::parse_region(a);
          if (r.type != trax::RegionType::kSpecial) {
            trax::region_area_box(r);
            trax::parse_region(trax::format_region(trax::region_like(trax::region_bounds(r), r.type)));
          }
        } catch (const trax::TraxError&) {
        }
        try {
          trax::image_path(a);
        } catch (const trax::TraxError&) {
        }
      }
    } catch (const trax::TraxError&) {
    }
  }
  return 0;
}
