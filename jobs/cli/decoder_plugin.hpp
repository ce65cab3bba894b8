#pragma once
// The front (`dcmflow store`) links no pixel library. When a destination refuses a file's
// transfer syntax, it decodes through dcmflow-decoder.so, built beside it from the engine's
// own decoder (GDCM and the codecs) and loaded on first use: a run that never transcodes
// never pays for loading it.

#include <string>

#include "send/send_files.hpp"

// The plugin's one entry point: true and the bytes in `part10`, or false and why in `error`.
extern "C" {
using dcmflow_decode_function = bool(const char* path, std::string* part10, std::string* error);
}
inline constexpr const char* dcmflow_decode_symbol = "dcmflow_read_uncompressed_part10";

namespace dcmflow::cli {

// A decoder that loads the plugin from beside the running program the first time it runs.
[[nodiscard]] send::uncompressed_decoder decoder_plugin();

}  // namespace dcmflow::cli
