#include "isolate/decode_protocol.hpp"

namespace dcmflow::isolate {

std::string encode_request(const decode_request& request) {
  wire_writer out;
  out.put(request.what);
  out.put_text(request.file.string());
  out.put(request.options.max_pixel_bytes);
  out.put(request.options.dpi);
  out.put(request.options.colour);
  out.put(request.options.first_page);
  out.put(request.options.page_limit);
  return out.bytes();
}

result<decode_request> decode_request_header(std::string_view header) {
  wire_reader in(header);
  decode_request request;
  request.what = in.get<operation>();
  request.file = in.get_text();
  request.options.max_pixel_bytes = in.get<std::uint64_t>();
  request.options.dpi = in.get<double>();
  request.options.colour = in.get<raster::colour_mode>();
  request.options.first_page = in.get<std::uint32_t>();
  request.options.page_limit = in.get<std::uint32_t>();
  if (!in.ok()) return failure{"malformed request"};
  return request;
}

void put_frame_info(wire_writer& out, const codecs::frame_info& frame) {
  out.put(frame.width);
  out.put(frame.height);
  out.put(frame.samples_per_pixel);
  out.put(frame.bits_allocated);
  out.put(frame.bits_stored);
  out.put(frame.is_signed);
  out.put(frame.planar);
  out.put(frame.photometric);
}

codecs::frame_info get_frame_info(wire_reader& in) {
  codecs::frame_info frame;
  frame.width = in.get<std::uint32_t>();
  frame.height = in.get<std::uint32_t>();
  frame.samples_per_pixel = in.get<std::uint16_t>();
  frame.bits_allocated = in.get<std::uint16_t>();
  frame.bits_stored = in.get<std::uint16_t>();
  frame.is_signed = in.get<bool>();
  frame.planar = in.get<codecs::planar_configuration>();
  frame.photometric = in.get<codecs::photometric>();
  return frame;
}

std::optional<std::uint64_t> pixel_bytes(const codecs::frame_info& frame, std::uint32_t frames) {
  const bool known =
      (frame.bits_allocated == 8 || frame.bits_allocated == 16) &&
      (frame.samples_per_pixel == 1 || frame.samples_per_pixel == 3) && frame.bits_stored >= 1 &&
      frame.bits_stored <= frame.bits_allocated &&
      static_cast<unsigned>(frame.planar) <= static_cast<unsigned>(codecs::planar_configuration::planar) &&
      static_cast<unsigned>(frame.photometric) <= static_cast<unsigned>(codecs::photometric::rgb) && frame.width >= 1 &&
      frame.height >= 1;
  if (!known) return std::nullopt;
  __extension__ using uint128 = unsigned __int128;
  const uint128 bytes =
      uint128{frame.width} * frame.height * frame.samples_per_pixel * (frame.bits_allocated / 8U) * frames;
  if (bytes > ~std::uint64_t{0}) return std::nullopt;
  return static_cast<std::uint64_t>(bytes);
}

void put_texts(wire_writer& out, const std::vector<std::string>& texts) {
  out.put<std::uint64_t>(texts.size());
  for (const auto& text : texts) out.put_text(text);
}

std::vector<std::string> get_texts(wire_reader& in) {
  const auto count = in.get<std::uint64_t>();
  std::vector<std::string> texts;
  for (std::uint64_t index = 0; index < count && !in.failed(); ++index) texts.push_back(in.get_text());
  return texts;
}

}  // namespace dcmflow::isolate
