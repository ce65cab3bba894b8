// The adapters of the libraries this build leaves out (DCMFLOW_WITH_<NAME>=OFF): empty.
// They are never called: the table says such a syntax is not built before making anything.
// They exist so that the table stays whole, and `dcmflow codecs` can say what is missing.
#include "adapters.hpp"

namespace dcmflow::codecs::adapters {

#if !DCMFLOW_WITH_CHARLS
const adapter jpegls{};
#endif
#if !DCMFLOW_WITH_OPENJPEG
const adapter j2k{};
#endif
#if !DCMFLOW_WITH_OPENJPH
const adapter htj2k{};
#endif
#if !DCMFLOW_WITH_LIBJPEG_TURBO
const adapter jpeg{};
#endif

}  // namespace dcmflow::codecs::adapters
