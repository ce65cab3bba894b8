#include "adapters.hpp"

#include <memory>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <vector>

#include <dcmflow/codecs/codec_error.hpp>

#include "sample_layout.hpp"

namespace dcmflow::codecs {
namespace {

constexpr std::size_t header_size = 64;
constexpr std::size_t max_segments = 15;
constexpr std::size_t max_run = 128;

// Where the bytes of one segment sit in the frame: every `stride` bytes from `first`.
struct segment_layout {
  std::size_t first;
  std::size_t stride;
};

// Segment s holds byte (bytes - 1 - s % bytes) of component s / bytes: most significant first.
segment_layout locate_segment(const frame_info& frame, std::size_t segment) {
  const std::size_t bytes = frame.bytes_per_sample();
  const std::size_t component = segment / bytes;
  const std::size_t byte_in_sample = bytes - 1 - segment % bytes;  // little-endian samples
  if (frame.planar == planar_configuration::planar) {
    return {component * frame.pixel_count() * bytes + byte_in_sample, bytes};
  }
  return {component * bytes + byte_in_sample, frame.samples_per_pixel * bytes};
}

// Length of the run of row[0] starting at row, at most `limit`; compares 8 bytes at a time,
// since report pages are mostly long runs of white.
std::size_t run_length(const std::uint8_t* row, std::size_t limit) {
  const std::uint8_t value = row[0];
  std::size_t run = 1;
  const std::uint64_t pattern = 0x0101010101010101ULL * value;
  while (run + 8 <= limit) {
    std::uint64_t word;
    std::memcpy(&word, row + run, 8);
    if (word != pattern) break;
    run += 8;
  }
  while (run < limit && row[run] == value) ++run;
  return run;
}

// First position in [from, stop) where three equal bytes start, or stop. Noisy scans are
// mostly literals, so this scan is the encoder's hot loop: 8 positions a step, with the
// zero-byte trick on (a ^ b) | (a ^ c) (its lowest flagged byte is exact).
std::size_t next_triple(const std::uint8_t* row, std::size_t from, std::size_t stop, std::size_t length) {
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  constexpr std::uint64_t highs = 0x8080808080808080ULL;
  std::size_t i = from;
  while (i + 8 <= stop && i + 10 <= length) {
    std::uint64_t a;
    std::uint64_t b;
    std::uint64_t c;
    std::memcpy(&a, row + i, 8);
    std::memcpy(&b, row + i + 1, 8);
    std::memcpy(&c, row + i + 2, 8);
    const std::uint64_t differ = (a ^ b) | (a ^ c);
    const std::uint64_t zero_bytes = (differ - ones) & ~differ & highs;
    if (zero_bytes != 0) return i + static_cast<std::size_t>(std::countr_zero(zero_bytes)) / 8;
    i += 8;
  }
  for (; i < stop; ++i) {
    if (i + 2 < length && row[i] == row[i + 1] && row[i] == row[i + 2]) return i;
  }
  return stop;
}

// PackBits one row into `out` (room for the worst case is the caller's), returning the
// new end. Replicate runs start at 2 equal bytes; a literal run is broken only by 3 equal
// bytes, where switching pays for its extra header byte.
std::byte* pack_row(const std::uint8_t* row, std::size_t length, std::byte* out) {
  std::size_t i = 0;
  while (i < length) {
    const std::size_t run = run_length(row + i, std::min(max_run, length - i));
    if (run >= 2) {
      *out++ = static_cast<std::byte>(257 - run);  // -(run - 1) as a signed byte
      *out++ = static_cast<std::byte>(row[i]);
      i += run;
      continue;
    }
    const std::size_t start = i;
    const std::size_t stop = std::min(length, start + max_run);
    i = next_triple(row, i + 1, stop, length);
    const std::size_t literal = i - start;
    *out++ = static_cast<std::byte>(literal - 1);
    std::memcpy(out, row + start, literal);
    out += literal;
  }
  return out;
}

std::uint32_t read_u32(const std::byte* at) {
  std::uint32_t value = 0;
  std::memcpy(&value, at, 4);
  return value;
}

void write_u32(std::byte* at, std::uint32_t value) { std::memcpy(at, &value, 4); }

// Unpacks one segment into every `stride`-th byte of `out`, exactly `count` bytes.
std::error_code unpack_segment(const std::uint8_t* in, std::size_t in_size, std::byte* out, std::size_t stride,
                               std::size_t count) {
  std::size_t read = 0;
  std::size_t written = 0;
  while (written < count) {
    if (read >= in_size) return codec_errc::corrupt_data;  // segment ends early
    const auto header = static_cast<std::int8_t>(in[read++]);
    if (header >= 0) {
      const std::size_t literal = static_cast<std::size_t>(header) + 1;
      if (read + literal > in_size || written + literal > count) return codec_errc::corrupt_data;
      if (stride == 1) {
        std::memcpy(out + written, in + read, literal);
      } else {
        for (std::size_t k = 0; k < literal; ++k) out[(written + k) * stride] = static_cast<std::byte>(in[read + k]);
      }
      read += literal;
      written += literal;
    } else if (header != -128) {  // -128 is a no-op by definition
      const std::size_t run = 1 - static_cast<std::size_t>(static_cast<std::ptrdiff_t>(header));
      if (read >= in_size || written + run > count) return codec_errc::corrupt_data;
      const auto value = static_cast<std::byte>(in[read++]);
      if (stride == 1) {
        std::memset(out + written, static_cast<int>(value), run);
      } else {
        for (std::size_t k = 0; k < run; ++k) out[(written + k) * stride] = value;
      }
      written += run;
    }
  }
  return {};
}

// One row of `width` copies of `value`, packed: what every segment of a uniform row holds.
std::vector<std::byte> packed_uniform_row(std::uint8_t value, std::size_t width) {
  const std::vector<std::uint8_t> row(width, value);
  std::vector<std::byte> packed(width + width / max_run + 1);
  packed.resize(static_cast<std::size_t>(pack_row(row.data(), width, packed.data()) - packed.data()));
  return packed;
}

// Whether `length` bytes from `at` all equal at[0]. Report pages are mostly blank rows, and
// a uniform row is the same packed bytes in every segment: checked once, copied per segment.
bool uniform(const std::uint8_t* at, std::size_t length) { return run_length(at, length) == length; }

// Encoding goes to a per-thread buffer sized for the worst case, then only the bytes
// written are copied out: sizing the fragment itself for the worst case zero-filled as
// many bytes as the frame has, for every frame.
std::vector<std::byte>& scratch_buffer() {
  thread_local std::vector<std::byte> scratch;
  return scratch;
}

std::error_code encode(const transfer_syntax& /*syntax*/, double /*option*/, const frame_info& frame,
                       std::span<const std::byte> pixels, std::vector<std::byte>& fragment, encoding_effect& effect) {
  if (!detail::valid_frame(frame) || pixels.size() < frame.bytes()) return codec_errc::unsupported_frame;
  const std::size_t segments = frame.samples_per_pixel * frame.bytes_per_sample();
  if (segments > max_segments) return codec_errc::unsupported_frame;

  const std::size_t width = frame.width;
  // Worst case: one header byte per 128 literals in every row, plus a pad byte a segment.
  const std::size_t worst_row = width + (width + max_run - 1) / max_run;
  std::vector<std::byte>& scratch = scratch_buffer();
  const std::size_t worst = header_size + segments * (frame.height * worst_row + 1);
  if (scratch.size() < worst) scratch.resize(worst);
  std::array<std::uint32_t, 16> header{};
  header[0] = static_cast<std::uint32_t>(segments);

  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): byte view
  const auto* source = reinterpret_cast<const std::uint8_t*>(pixels.data());
  // Uniform rows, found once for all segments when the samples of a row are contiguous
  // (interleaved, or one sample a pixel); each value's packed row is made once.
  const bool rows_contiguous = frame.planar == planar_configuration::interleaved || frame.samples_per_pixel == 1;
  const std::size_t row_bytes = frame.bytes() / frame.height;
  std::array<std::vector<std::byte>, 256> packed_uniform;
  std::vector<const std::vector<std::byte>*> uniform_row(frame.height, nullptr);
  if (rows_contiguous) {
    for (std::size_t y = 0; y < frame.height; ++y) {
      const std::uint8_t* row = source + y * row_bytes;
      if (!uniform(row, row_bytes)) continue;
      std::vector<std::byte>& packed = packed_uniform[row[0]];
      if (packed.empty()) packed = packed_uniform_row(row[0], width);
      uniform_row[y] = &packed;
    }
  }

  std::vector<std::uint8_t> row(width);
  std::byte* const begin = scratch.data();
  std::byte* out = begin + header_size;
  for (std::size_t segment = 0; segment < segments; ++segment) {
    header[segment + 1] = static_cast<std::uint32_t>(out - begin);
    const segment_layout layout = locate_segment(frame, segment);
    for (std::size_t y = 0; y < frame.height; ++y) {
      if (const std::vector<std::byte>* packed = uniform_row[y]) {
        std::memcpy(out, packed->data(), packed->size());
        out += packed->size();
        continue;
      }
      const std::uint8_t* from = source + layout.first + y * width * layout.stride;
      if (layout.stride == 1) {
        out = pack_row(from, width, out);
        continue;
      }
      for (std::size_t x = 0; x < width; ++x) row[x] = from[x * layout.stride];
      out = pack_row(row.data(), width, out);
    }
    if ((out - begin) % 2 != 0) *out++ = std::byte{0};
  }
  for (std::size_t i = 0; i < header.size(); ++i) write_u32(begin + i * 4, header[i]);
  fragment.assign(begin, out);
  // Kept for the next frame up to an RGB A4 page at 200 dpi; a larger frame's buffer is
  // freed (memory outside the engine's byte budget, once per thread).
  constexpr std::size_t kept_scratch_bytes = std::size_t{16} << 20;
  if (scratch.size() > kept_scratch_bytes) std::vector<std::byte>().swap(scratch);
  effect = {};
  return {};
}

std::error_code decode(const transfer_syntax& /*syntax*/, std::span<const std::byte> fragment, const frame_info& frame,
                       std::span<std::byte> pixels) {
  if (!detail::valid_frame(frame) || pixels.size() < frame.bytes()) return codec_errc::geometry_mismatch;
  if (fragment.size() < header_size) return codec_errc::corrupt_data;
  const std::size_t segments = read_u32(fragment.data());
  if (segments != static_cast<std::size_t>(frame.samples_per_pixel) * frame.bytes_per_sample()) {
    return codec_errc::geometry_mismatch;
  }
  std::array<std::size_t, max_segments + 1> bounds{};
  for (std::size_t s = 0; s < segments; ++s) {
    bounds[s] = read_u32(fragment.data() + 4 + s * 4);
    if (bounds[s] < header_size || bounds[s] > fragment.size() || (s > 0 && bounds[s] < bounds[s - 1])) {
      return codec_errc::corrupt_data;
    }
  }
  bounds[segments] = fragment.size();
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): byte view
  const auto* data = reinterpret_cast<const std::uint8_t*>(fragment.data());
  for (std::size_t s = 0; s < segments; ++s) {
    const segment_layout layout = locate_segment(frame, s);
    if (auto error = unpack_segment(data + bounds[s], bounds[s + 1] - bounds[s], pixels.data() + layout.first,
                                    layout.stride, frame.pixel_count())) {
      return error;
    }
  }
  return {};
}

}  // namespace

namespace adapters {

const adapter rle{encode, decode};

}  // namespace adapters

}  // namespace dcmflow::codecs
