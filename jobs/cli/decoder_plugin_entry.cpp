// dcmflow-decoder.so: the engine's decoder for the front (see decoder_plugin.hpp).

#include <exception>
#include <string>
#include <type_traits>

#include "cli/decoder_plugin.hpp"
#include "dicom/dicom_reader.hpp"

extern "C" __attribute__((visibility("default"))) bool dcmflow_read_uncompressed_part10(const char* path,
                                                                                       std::string* part10,
                                                                                       std::string* error) {
  try {
    auto decoded = dcmflow::dicom::read_uncompressed_part10(path);
    if (!decoded) {
      *error = decoded.error().message;
      return false;
    }
    *part10 = std::move(decoded).value();
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
