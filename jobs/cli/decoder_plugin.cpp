#include "cli/decoder_plugin.hpp"

#include <dlfcn.h>

#include <filesystem>

#include "core/program_location.hpp"

namespace dcmflow::cli {
namespace {

struct loaded_plugin {
  dcmflow_decode_function* decode = nullptr;
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
    found.decode = reinterpret_cast<dcmflow_decode_function*>(dlsym(handle, dcmflow_decode_symbol));
    if (found.decode == nullptr) found.problem = file->string() + " has no " + dcmflow_decode_symbol;
    return found;
  }();
  return loaded;
}

}  // namespace

send::uncompressed_decoder decoder_plugin() {
  return [](const std::filesystem::path& file) -> result<std::string> {
    const loaded_plugin& loaded = plugin();
    if (loaded.decode == nullptr) return failure{loaded.problem};
    std::string part10;
    std::string error;
    if (!loaded.decode(file.c_str(), &part10, &error)) return failure{error};
    return part10;
  };
}

}  // namespace dcmflow::cli
