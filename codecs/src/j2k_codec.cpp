#include "adapters.hpp"

#include <openjpeg.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include <dcmflow/codecs/codec_error.hpp>

#include "sample_layout.hpp"

namespace dcmflow::codecs {
namespace {

struct codec_deleter {
  void operator()(opj_codec_t* codec) const { opj_destroy_codec(codec); }
};
struct stream_deleter {
  void operator()(opj_stream_t* stream) const { opj_stream_destroy(stream); }
};
struct image_deleter {
  void operator()(opj_image_t* image) const { opj_image_destroy(image); }
};
using codec_ptr = std::unique_ptr<opj_codec_t, codec_deleter>;
using stream_ptr = std::unique_ptr<opj_stream_t, stream_deleter>;
using image_ptr = std::unique_ptr<opj_image_t, image_deleter>;

// OpenJPEG reports through callbacks; stay quiet (errors surface as return values).
void quiet(const char*, void*) {}

void silence(opj_codec_t* codec) {
  opj_set_info_handler(codec, quiet, nullptr);
  opj_set_warning_handler(codec, quiet, nullptr);
  opj_set_error_handler(codec, quiet, nullptr);
}

// A growing output buffer as an OpenJPEG stream.
struct output_buffer {
  std::vector<std::byte>* bytes;
  std::size_t position = 0;
};

stream_ptr make_output_stream(output_buffer& buffer) {
  stream_ptr stream(opj_stream_create(1 << 16, OPJ_FALSE));
  opj_stream_set_user_data(stream.get(), &buffer, nullptr);
  opj_stream_set_write_function(stream.get(), [](void* data, OPJ_SIZE_T size, void* user) -> OPJ_SIZE_T {
    auto& out = *static_cast<output_buffer*>(user);
    if (out.position + size > out.bytes->size()) out.bytes->resize(out.position + size);
    std::memcpy(out.bytes->data() + out.position, data, size);
    out.position += size;
    return size;
  });
  opj_stream_set_skip_function(stream.get(), [](OPJ_OFF_T skip, void* user) -> OPJ_OFF_T {
    auto& out = *static_cast<output_buffer*>(user);
    const auto target = static_cast<OPJ_OFF_T>(out.position) + skip;
    if (target < 0) return -1;
    out.position = static_cast<std::size_t>(target);
    if (out.position > out.bytes->size()) out.bytes->resize(out.position);
    return skip;
  });
  opj_stream_set_seek_function(stream.get(), [](OPJ_OFF_T at, void* user) -> OPJ_BOOL {
    auto& out = *static_cast<output_buffer*>(user);
    if (at < 0) return OPJ_FALSE;
    out.position = static_cast<std::size_t>(at);
    if (out.position > out.bytes->size()) out.bytes->resize(out.position);
    return OPJ_TRUE;
  });
  return stream;
}

// A fragment as an OpenJPEG input stream.
struct input_buffer {
  std::span<const std::byte> bytes;
  std::size_t position = 0;
};

stream_ptr make_input_stream(input_buffer& buffer) {
  stream_ptr stream(opj_stream_create(1 << 16, OPJ_TRUE));
  opj_stream_set_user_data(stream.get(), &buffer, nullptr);
  opj_stream_set_user_data_length(stream.get(), buffer.bytes.size());
  opj_stream_set_read_function(stream.get(), [](void* data, OPJ_SIZE_T size, void* user) -> OPJ_SIZE_T {
    auto& in = *static_cast<input_buffer*>(user);
    const std::size_t left = in.bytes.size() - in.position;
    if (left == 0) return static_cast<OPJ_SIZE_T>(-1);
    const std::size_t count = std::min<std::size_t>(size, left);
    std::memcpy(data, in.bytes.data() + in.position, count);
    in.position += count;
    return count;
  });
  opj_stream_set_skip_function(stream.get(), [](OPJ_OFF_T skip, void* user) -> OPJ_OFF_T {
    auto& in = *static_cast<input_buffer*>(user);
    const auto target =
        std::clamp<OPJ_OFF_T>(static_cast<OPJ_OFF_T>(in.position) + skip, 0, static_cast<OPJ_OFF_T>(in.bytes.size()));
    const OPJ_OFF_T moved = target - static_cast<OPJ_OFF_T>(in.position);
    in.position = static_cast<std::size_t>(target);
    return moved;
  });
  opj_stream_set_seek_function(stream.get(), [](OPJ_OFF_T at, void* user) -> OPJ_BOOL {
    auto& in = *static_cast<input_buffer*>(user);
    if (at < 0 || static_cast<std::size_t>(at) > in.bytes.size()) return OPJ_FALSE;
    in.position = static_cast<std::size_t>(at);
    return OPJ_TRUE;
  });
  return stream;
}

bool is_jp2_file(std::span<const std::byte> bytes) {
  static constexpr unsigned char signature[] = {0, 0, 0, 0x0C, 'j', 'P', ' ', ' '};
  return bytes.size() >= sizeof signature && std::memcmp(bytes.data(), signature, sizeof signature) == 0;
}

// Walks the main header's marker segments (SIZ, COD, CAP...) up to the first tile-part.
bool uses_high_throughput(std::span<const std::byte> codestream) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned>(codestream[i]); };
  std::size_t at = 0;
  if (is_jp2_file(codestream)) return false;  // JP2 boxes: no HT in DICOM's JPEG 2000 files
  if (codestream.size() < 2 || byte(0) != 0xFF || byte(1) != 0x4F) return false;  // SOC
  at = 2;
  while (at + 4 <= codestream.size()) {
    if (byte(at) != 0xFF) return false;
    const unsigned marker = byte(at + 1);
    if (marker == 0x50) return true;   // CAP: Part 15 capabilities
    if (marker == 0x90) return false;  // SOT: main header over
    at += 2 + ((byte(at + 2) << 8) | byte(at + 3));
  }
  return false;
}

std::error_code encode(const transfer_syntax& /*syntax*/, double ratio, const frame_info& frame,
                       std::span<const std::byte> pixels, std::vector<std::byte>& fragment, encoding_effect& effect) {
  if (!detail::valid_frame(frame) || pixels.size() < frame.bytes()) return codec_errc::unsupported_frame;
  const std::size_t components = frame.samples_per_pixel;

  opj_image_cmptparm_t parameters[3]{};
  for (std::size_t c = 0; c < components; ++c) {
    parameters[c].dx = 1;
    parameters[c].dy = 1;
    parameters[c].w = frame.width;
    parameters[c].h = frame.height;
    parameters[c].prec = frame.bits_stored;
    parameters[c].sgnd = frame.is_signed ? 1 : 0;
  }
  image_ptr image(opj_image_create(static_cast<OPJ_UINT32>(components), parameters,
                                   components == 3 ? OPJ_CLRSPC_SRGB : OPJ_CLRSPC_GRAY));
  if (components == 3 && frame.photometric != photometric::rgb) return codec_errc::unsupported_frame;
  if (!image) return codec_errc::library_failure;
  image->x1 = frame.width;
  image->y1 = frame.height;
  // OpenJPEG takes one int32 plane per component: this copy is part of the library's API.
  const std::size_t count = frame.pixel_count();
  for (std::size_t c = 0; c < components; ++c) {
    OPJ_INT32* plane = image->comps[c].data;
    for (std::size_t p = 0; p < count; ++p) {
      plane[p] = detail::read_sample(frame, pixels.data(), detail::sample_index(frame, c, p));
    }
  }

  opj_cparameters_t options;
  opj_set_default_encoder_parameters(&options);
  options.tcp_numlayers = 1;
  options.cp_disto_alloc = 1;
  options.tcp_rates[0] = ratio > 0 ? static_cast<float>(ratio) : 0.0F;
  options.irreversible = ratio > 0 ? 1 : 0;
  const bool rgb = frame.photometric == photometric::rgb;
  options.tcp_mct = rgb ? 1 : 0;  // RGB -> YBR_RCT / YBR_ICT
  options.numresolution = static_cast<int>(detail::fitting_decompositions(frame, 5)) + 1;

  codec_ptr compressor(opj_create_compress(OPJ_CODEC_J2K));
  silence(compressor.get());
  if (!opj_setup_encoder(compressor.get(), &options, image.get())) return codec_errc::library_failure;

  fragment.clear();
  fragment.reserve(frame.bytes() / 2);
  output_buffer buffer{&fragment};
  stream_ptr stream = make_output_stream(buffer);
  if (!opj_start_compress(compressor.get(), image.get(), stream.get()) || !opj_encode(compressor.get(), stream.get()) ||
      !opj_end_compress(compressor.get(), stream.get())) {
    fragment.clear();
    return codec_errc::library_failure;
  }
  stream.reset();  // flushes what OpenJPEG still buffers
  fragment.resize(buffer.position);

  effect = {};
  if (rgb) effect.photometric_interpretation = ratio > 0 ? "YBR_ICT" : "YBR_RCT";
  if (ratio > 0) {
    effect.lossy = true;
    effect.lossy_method = "ISO_15444_1";
  }
  return {};
}

std::error_code decode(const transfer_syntax& /*syntax*/, std::span<const std::byte> fragment, const frame_info& frame,
                       std::span<std::byte> pixels) {
  if (!detail::valid_frame(frame) || pixels.size() < frame.bytes()) return codec_errc::geometry_mismatch;
  if (fragment.empty()) return codec_errc::corrupt_data;  // libraries take no null buffer
  // HT code-blocks (a CAP marker in the main header) go through OpenJPEG's HT decoder,
  // which Debian's build lets abort on corrupt data: refused here, HTJ2K has its own codec.
  if (uses_high_throughput(fragment)) return codec_errc::unsupported_frame;
  codec_ptr decompressor(opj_create_decompress(is_jp2_file(fragment) ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K));
  silence(decompressor.get());
  opj_dparameters_t options;
  opj_set_default_decoder_parameters(&options);
  if (!opj_setup_decoder(decompressor.get(), &options)) return codec_errc::library_failure;

  input_buffer buffer{fragment};
  stream_ptr stream = make_input_stream(buffer);
  opj_image_t* raw_image = nullptr;
  if (!opj_read_header(stream.get(), decompressor.get(), &raw_image)) {
    opj_image_destroy(raw_image);
    return codec_errc::corrupt_data;
  }
  image_ptr image(raw_image);
  // Geometry from the header, before OpenJPEG allocates for what the codestream claims.
  if (image->numcomps != frame.samples_per_pixel || image->x1 - image->x0 != frame.width ||
      image->y1 - image->y0 != frame.height) {
    return codec_errc::geometry_mismatch;
  }
  for (std::size_t c = 0; c < image->numcomps; ++c) {
    const opj_image_comp_t& component = image->comps[c];
    if (component.w != frame.width || component.h != frame.height || component.dx != 1 || component.dy != 1 ||
        component.prec > frame.bits_allocated) {
      return codec_errc::geometry_mismatch;
    }
  }
  if (!opj_decode(decompressor.get(), stream.get(), image.get()) ||
      !opj_end_decompress(decompressor.get(), stream.get())) {
    return codec_errc::corrupt_data;
  }
  for (std::size_t c = 0; c < image->numcomps; ++c) {
    if (image->comps[c].data == nullptr) return codec_errc::corrupt_data;
  }
  const std::size_t count = frame.pixel_count();
  for (std::size_t c = 0; c < frame.samples_per_pixel; ++c) {
    const OPJ_INT32* plane = image->comps[c].data;
    for (std::size_t p = 0; p < count; ++p) {
      detail::write_sample(frame, pixels.data(), detail::sample_index(frame, c, p), plane[p]);
    }
  }
  return {};
}

}  // namespace

namespace adapters {

const adapter j2k{encode, decode};

}  // namespace adapters

}  // namespace dcmflow::codecs
