// The factories of the libraries this build leaves out (DCMFLOW_WITH_<NAME>=OFF). They are
// never called: the table says such a syntax is not built before making anything. They
// exist so that the table stays whole, and `dcmflow codecs` can say what is missing.
#include "adapters.hpp"

namespace dcmflow::codecs::adapters {

#if !DCMFLOW_WITH_CHARLS
std::unique_ptr<encoder> jpegls_encoder(const transfer_syntax&, double) { return nullptr; }
std::unique_ptr<decoder> jpegls_decoder(const transfer_syntax&) { return nullptr; }
#endif
#if !DCMFLOW_WITH_OPENJPEG
std::unique_ptr<encoder> j2k_encoder(const transfer_syntax&, double) { return nullptr; }
std::unique_ptr<decoder> j2k_decoder(const transfer_syntax&) { return nullptr; }
#endif
#if !DCMFLOW_WITH_OPENJPH
std::unique_ptr<encoder> htj2k_encoder(const transfer_syntax&, double) { return nullptr; }
std::unique_ptr<decoder> htj2k_decoder(const transfer_syntax&) { return nullptr; }
#endif
#if !DCMFLOW_WITH_LIBJPEG_TURBO
std::unique_ptr<encoder> jpeg_encoder(const transfer_syntax&, double) { return nullptr; }
std::unique_ptr<decoder> jpeg_decoder(const transfer_syntax&) { return nullptr; }
#endif

}  // namespace dcmflow::codecs::adapters
