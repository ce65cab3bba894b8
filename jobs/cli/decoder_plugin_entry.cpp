// dcmflow-decoder.so: the engine's decoder for the front (see decoder_plugin.hpp). The
// file is parsed and decoded in a decode helper, as everywhere else: a file that crashes
// GDCM fails alone instead of ending `dcmflow store`.

#include <algorithm>
#include <exception>
#include <string>
#include <thread>
#include <type_traits>

#include "cli/decoder_plugin.hpp"
#include "isolate/contained_decoder.hpp"

extern "C" __attribute__((visibility("default"))) bool dcmflow_read_uncompressed_part10(const char* path,
                                                                                       std::string* part10,
                                                                                       std::string* error) {
  try {
    // Senders call from their own threads: one helper each, kept for the run.
    static dcmflow::isolate::contained_decoder decoder([] {
      dcmflow::isolate::decode_limits limits;
      limits.helpers = std::max(1U, std::thread::hardware_concurrency());
      return limits;
    }());
    auto decoded = decoder.read_decoded(path);
    if (!decoded) {
      *error = decoded.error().message;
      return false;
    }
    auto bytes = decoded->to_part10();
    if (!bytes) {
      *error = bytes.error().message;
      return false;
    }
    *part10 = std::move(bytes).value();
    return true;
  } catch (const std::exception& thrown) {  // nothing may cross the C boundary
    *error = std::string("internal error: ") + thrown.what();
    return false;
  } catch (...) {
    *error = "internal error";
    return false;
  }
}

// Checked at compile time: the entry point has the type the loader casts it to.
static_assert(std::is_same_v<decltype(dcmflow_read_uncompressed_part10), dcmflow_decode_function>);
