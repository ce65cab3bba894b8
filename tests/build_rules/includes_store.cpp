// Built by the build.* tests (tests/CMakeLists.txt) twice: by a target that links the store
// module, where it compiles, and by one that links only dicom, where it must not: a module
// sees the headers of what it links and nothing else (cmake/include_roots.cmake).
#include "store/destination.hpp"

namespace dcmflow::build_rules {
int store_header_was_seen() { return 1; }
}  // namespace dcmflow::build_rules
