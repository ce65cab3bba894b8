#pragma once
// What dcmflow asks a decode helper (dcmflow-decode-worker) and what it answers.
//
// A request: u64 length, then its header. An answer: one byte of kind, u64 header length,
// header, u64 payload length, payload. Kinds: 'S' (a step begins: its words name what
// would have crashed), 'R' (the result; the last message of a request). A result header
// starts with a byte, 1 for success; a failure holds its reason, a success the values of
// its operation, whose pixels are the payload, frame after frame.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <dcmflow/codecs/frame_info.hpp>

#include "core/result.hpp"
#include "isolate/wire.hpp"
#include "raster/image_loader.hpp"

namespace dcmflow::isolate {

enum class operation : std::uint8_t {
  probe_image = 1,
  load_image = 2,
  read_decoded = 3,
  read_for_display = 4,
  validate = 5,
  inspect_document = 6,
};

struct decode_request {
  operation what = operation::probe_image;
  std::filesystem::path file;
  raster::load_options options;
};

[[nodiscard]] std::string encode_request(const decode_request& request);
[[nodiscard]] result<decode_request> decode_request_header(std::string_view header);

enum class message_kind : std::uint8_t { step = 'S', result = 'R' };

void put_frame_info(wire_writer& out, const codecs::frame_info& frame);
[[nodiscard]] codecs::frame_info get_frame_info(wire_reader& in);

// The bytes `frames` frames of `frame` take, when the description is one dcmflow makes
// (8 or 16 bits, 1 or 3 samples, known enums, sizes that do not overflow); else nothing.
// The main process believes no size from a helper without it.
[[nodiscard]] std::optional<std::uint64_t> pixel_bytes(const codecs::frame_info& frame, std::uint32_t frames);

void put_texts(wire_writer& out, const std::vector<std::string>& texts);
[[nodiscard]] std::vector<std::string> get_texts(wire_reader& in);

}  // namespace dcmflow::isolate
