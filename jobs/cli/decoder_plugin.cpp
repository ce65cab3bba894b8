#include "cli/decoder_plugin.hpp"

#include <dlfcn.h>

#include <cstring>

#include <filesystem>
#include <string>

#include "cli/decoder_plugin_abi.h"

#include "core/program_location.hpp"

namespace dcmflow::cli {
namespace {

struct loaded_plugin {
  dcmflow_decode_function* decode = nullptr;
  dcmflow_release_function* release = nullptr;
  std::string problem;  // why it could not be loaded
};

const loaded_plugin& plugin() {
  static const loaded_plugin loaded = [] {
    loaded_plugin found;
    auto file = beside_this_program("dcmflow-decoder.so");
    if (!file) {
      found.problem = "cannot load the decoder: " + file.error().message;
      return found;
    }
    // Kept loaded until the program exits: decoders may run on any sender thread.
    void* handle = dlopen(file->c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      found.problem = "cannot load the decoder " + file->string() + ": " + dlerror();
      return found;
    }
    found.decode =
        reinterpret_cast<dcmflow_decode_function*>(  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): dlsym
            dlsym(handle, DCMFLOW_DECODE_SYMBOL));
    found.release =
        reinterpret_cast<dcmflow_release_function*>(  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): dlsym
            dlsym(handle, DCMFLOW_RELEASE_SYMBOL));
    if (found.decode == nullptr || found.release == nullptr) {
      found.decode = nullptr;
      found.problem = file->string() + " has no " DCMFLOW_DECODE_SYMBOL " or " DCMFLOW_RELEASE_SYMBOL;
    }
    return found;
  }();
  return loaded;
}

}  // namespace

send::uncompressed_decoder decoder_plugin() {
  return [](const std::filesystem::path& file) -> result<std::string> {
    const loaded_plugin& loaded = plugin();
    if (loaded.decode == nullptr) return failure{loaded.problem};
    dcmflow_decoded decoded{};
    const bool ok = loaded.decode(file.c_str(), &decoded) != 0;
    std::string part10 =  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the plugin's bytes
        ok ? std::string(reinterpret_cast<const char*>(decoded.bytes), decoded.size) : std::string();
    std::string error(decoded.error, strnlen(decoded.error, sizeof decoded.error));
    loaded.release(&decoded);
    if (!ok) return failure{error.empty() ? std::string("the decoder failed without saying why") : error};
    return part10;
  };
}

}  // namespace dcmflow::cli
