// dcmflow-decoder.so: the engine's decoder for the front (see decoder_plugin.hpp), behind
// the C interface of decoder_plugin_abi.h. The file is parsed and decoded in a decode
// helper, as everywhere else: a file that crashes GDCM fails alone instead of ending
// `dcmflow store`.

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <thread>
#include <type_traits>

#include "cli/decoder_plugin_abi.h"
#include "isolate/contained_decoder.hpp"

namespace {

void say(dcmflow_decoded* out, const std::string& why) {
  const std::size_t length = std::min(why.size(), sizeof out->error - 1);
  std::memcpy(out->error, why.data(), length);
  out->error[length] = '\0';
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int dcmflow_read_uncompressed_part10(const char* path,
                                                                                       dcmflow_decoded* out) {
  *out = dcmflow_decoded{};
  try {
    // Senders call from their own threads: one helper each, kept for the run.
    static dcmflow::isolate::contained_decoder decoder([] {
      dcmflow::isolate::decode_limits limits;
      limits.helpers = std::max(1U, std::thread::hardware_concurrency());
      return limits;
    }());
    auto decoded = decoder.read_decoded(path);
    if (!decoded) {
      say(out, decoded.error().message);
      return 0;
    }
    auto bytes = decoded->to_part10();
    if (!bytes) {
      say(out, bytes.error().message);
      return 0;
    }
    out->bytes = static_cast<unsigned char*>(std::malloc(bytes->size()));
    if (out->bytes == nullptr && !bytes->empty()) {
      say(out, "out of memory for the decoded file");
      return 0;
    }
    std::memcpy(out->bytes, bytes->data(), bytes->size());
    out->size = bytes->size();
    return 1;
  } catch (const std::exception& thrown) {  // nothing may cross the C boundary
    say(out, std::string("internal error: ") + thrown.what());
  } catch (...) {
    say(out, "internal error");
  }
  return 0;
}

extern "C" __attribute__((visibility("default"))) void dcmflow_release_decoded(dcmflow_decoded* decoded) {
  std::free(decoded->bytes);
  decoded->bytes = nullptr;
  decoded->size = 0;
}

// Checked at compile time: the entry points have the types the loader casts them to.
static_assert(std::is_same_v<decltype(dcmflow_read_uncompressed_part10), dcmflow_decode_function>);
static_assert(std::is_same_v<decltype(dcmflow_release_decoded), dcmflow_release_function>);
