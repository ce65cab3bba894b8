#pragma once
// The front (`dcmflow store`) links no pixel library. When a destination refuses a file's
// transfer syntax, it decodes through dcmflow-decoder.so, built beside it from the engine's
// own decoder (GDCM and the codecs) and loaded on first use: a run that never transcodes
// never pays for loading it. The two meet through the C interface of decoder_plugin_abi.h.

#include "send/send_files.hpp"

namespace dcmflow::cli {

// A decoder that loads the plugin from beside the running program the first time it runs.
[[nodiscard]] send::uncompressed_decoder decoder_plugin();

}  // namespace dcmflow::cli
