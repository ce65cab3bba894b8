#include "dicom/pixel_checks.hpp"

#include <gdcmReader.h>

#include <array>
#include <charconv>
#include <fstream>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "dicom/gdcm_input.hpp"
#include "dicom/length_checks.hpp"

namespace dcmflow::dicom {
namespace {

const gdcm::Tag pixel_data_tag(0x7FE0, 0x0010);

failure inconsistent(const std::string& why) { return failure{"inconsistent pixel description: " + why}; }

// A US value read from its bytes (GDCM's Attribute asserts on a wrong length: "Rows as UL").
// GDCM has already put them in the machine's order, big endian files too.
result<std::uint32_t> unsigned_short(const gdcm::DataSet& dataset, std::uint16_t element, const char* keyword) {
  const gdcm::Tag tag(0x0028, element);
  if (!dataset.FindDataElement(tag)) return inconsistent(std::string(keyword) + " is missing");
  const gdcm::ByteValue* value = dataset.GetDataElement(tag).GetByteValue();
  if (value == nullptr || value->GetLength() != 2) {
    return inconsistent(std::string(keyword) + " is not one 2-byte unsigned number (US)");
  }
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): GDCM hands out char*
  const auto* bytes = reinterpret_cast<const unsigned char*>(value->GetPointer());
  return (std::uint32_t{bytes[1]} << 8) | bytes[0];
}

std::uint32_t number_of_frames(const gdcm::DataSet& dataset) {
  const gdcm::Tag tag(0x0028, 0x0008);
  if (!dataset.FindDataElement(tag)) return 1;
  const gdcm::ByteValue* value = dataset.GetDataElement(tag).GetByteValue();
  if (value == nullptr) return 1;
  std::string text(value->GetPointer(), value->GetLength());
  auto first = text.find_first_not_of(' ');
  if (first == std::string::npos) return 1;
  if (text[first] == '+') ++first;  // IS allows a sign
  std::uint32_t frames = 0;
  const auto [end, error] = std::from_chars(text.data() + first, text.data() + text.size(), frames);
  // 0 or unreadable reads as 1, as GDCM does; the length checks judge what the data holds.
  return error == std::errc() && frames > 0 ? frames : 1;
}

std::optional<std::uint32_t> read32(std::istream& in, bool big_endian) {
  std::array<unsigned char, 4> bytes{};
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): bytes of a file
  if (!in.read(reinterpret_cast<char*>(bytes.data()), 4)) return std::nullopt;
  return big_endian ? (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
                          (std::uint32_t{bytes[2]} << 8) | bytes[3]
                    : (std::uint32_t{bytes[3]} << 24) | (std::uint32_t{bytes[2]} << 16) |
                          (std::uint32_t{bytes[1]} << 8) | bytes[0];
}

// The first bytes of each fragment of encapsulated Pixel Data (PS3.5 A.4), read item by
// item from where its value starts, the rest skipped: enough for every codestream's header.
struct fragment_head {
  std::uint64_t length = 0;
  std::vector<unsigned char> head;
};
constexpr std::size_t fragment_head_bytes = 4096;

result<std::vector<fragment_head>> fragment_heads(std::istream& in, std::uint64_t stream_size) {
  std::vector<fragment_head> fragments;
  bool offset_table = true;  // the first item is the Basic Offset Table
  while (true) {
    const auto group_element = read32(in, false);
    const auto length = read32(in, false);
    if (!group_element || !length) {
      if (!fragments.empty()) return fragments;  // the delimiter missing at the very end: as GDCM reads it
      return inconsistent("compressed Pixel Data ends without any fragment");
    }
    if (*group_element == 0xE0DDFFFE) return fragments;  // sequence delimitation item
    if (*group_element != 0xE000FFFE) return inconsistent("compressed Pixel Data holds something other than items");
    const auto start = static_cast<std::uint64_t>(in.tellg());
    if (*length == 0xFFFFFFFF || *length > stream_size - start) {
      return failure{"file truncated: a Pixel Data fragment declares " + std::to_string(*length) +
                     " bytes, the file holds " + std::to_string(stream_size - start) + " after it"};
    }
    if (!offset_table) {
      fragment_head fragment{*length,
                             std::vector<unsigned char>(std::min<std::uint64_t>(*length, fragment_head_bytes))};
      // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): bytes of a file
      in.read(reinterpret_cast<char*>(fragment.head.data()), static_cast<std::streamsize>(fragment.head.size()));
      fragments.push_back(std::move(fragment));
    }
    offset_table = false;
    in.seekg(static_cast<std::streamoff>(start + *length));
    if (!in) return inconsistent("compressed Pixel Data cut short");
  }
}

// Did the reader stop right after Pixel Data's header (explicit VR: 12 bytes, implicit: 8)?
// Without Pixel Data it reads to the end, and the bytes before are something else.
bool stopped_at_pixel_data(std::istream& in, std::size_t value_offset) {
  for (const std::size_t header : {std::size_t{12}, std::size_t{8}}) {
    if (value_offset < header) continue;
    std::array<unsigned char, 4> tag{};
    in.clear();
    in.seekg(static_cast<std::streamoff>(value_offset - header));
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): bytes of a file
    if (!in.read(reinterpret_cast<char*>(tag.data()), 4)) continue;
    if (tag == std::array<unsigned char, 4>{0xE0, 0x7F, 0x10, 0x00} ||
        tag == std::array<unsigned char, 4>{0x7F, 0xE0, 0x00, 0x10}) {
      return true;
    }
  }
  return false;
}

std::uint32_t big16(std::span<const unsigned char> bytes, std::size_t at) {
  return (std::uint32_t{bytes[at]} << 8) | bytes[at + 1];
}
std::uint32_t big32(std::span<const unsigned char> bytes, std::size_t at) {
  return (big16(bytes, at) << 16) | big16(bytes, at + 2);
}
std::uint32_t little32(std::span<const unsigned char> bytes, std::size_t at) {
  return std::uint32_t{bytes[at]} | (std::uint32_t{bytes[at + 1]} << 8) | (std::uint32_t{bytes[at + 2]} << 16) |
         (std::uint32_t{bytes[at + 3]} << 24);
}

std::string frame_name(std::size_t index) { return "frame " + std::to_string(index + 1); }

// One codestream's size, components and precision against the description.
result<void> compare(std::size_t index, std::uint32_t columns, std::uint32_t rows, std::uint32_t components,
                     std::uint32_t precision, const pixel_geometry& geometry, const char* kind) {
  const std::string where = frame_name(index) + ": the " + kind + " codestream ";
  if (columns != geometry.columns || (rows != 0 && rows != geometry.rows)) {
    return inconsistent(where + "is " + std::to_string(columns) + "x" + std::to_string(rows) + ", the header says " +
                        std::to_string(geometry.columns) + "x" + std::to_string(geometry.rows));
  }
  if (components != geometry.samples_per_pixel) {
    return inconsistent(where + "has " + std::to_string(components) + " components, the header " +
                        std::to_string(geometry.samples_per_pixel) + " samples per pixel");
  }
  if (precision > geometry.bits_allocated) {
    return inconsistent(where + "has " + std::to_string(precision) + "-bit samples, the header allocates " +
                        std::to_string(geometry.bits_allocated) + " bits");
  }
  return {};
}

// JPEG 2000 (and HTJ2K): the SIZ segment right after SOC.
result<void> check_j2k(std::span<const unsigned char> bytes, std::size_t index, const pixel_geometry& geometry) {
  if (bytes.size() < 42 || big16(bytes, 2) != 0xFF51) return inconsistent(frame_name(index) + ": no JPEG 2000 SIZ");
  const std::uint32_t components = big16(bytes, 40);
  if (bytes.size() < 42 + std::size_t{components} * 3 || components == 0) {
    return inconsistent(frame_name(index) + ": a JPEG 2000 SIZ cut short");
  }
  std::uint32_t precision = 0;
  for (std::uint32_t c = 0; c < components; ++c) precision = std::max(precision, (bytes[42 + c * 3] & 0x7FU) + 1U);
  return compare(index, big32(bytes, 8) - big32(bytes, 16), big32(bytes, 12) - big32(bytes, 20), components, precision,
                 geometry, "JPEG 2000");
}

// JPEG and JPEG-LS: the first start-of-frame segment after SOI.
result<void> check_jpeg(std::span<const unsigned char> bytes, std::size_t index, const pixel_geometry& geometry) {
  std::size_t at = 2;
  while (at + 4 <= bytes.size()) {
    if (bytes[at] != 0xFF) return inconsistent(frame_name(index) + ": a JPEG marker expected");
    const unsigned marker = bytes[at + 1];
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {  // no length
      at += 2;
      continue;
    }
    const std::uint32_t length = big16(bytes, at + 2);
    const bool start_of_frame =
        (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) || marker == 0xF7;
    if (start_of_frame) {
      if (at + 10 > bytes.size() || length < 8)
        return inconsistent(frame_name(index) + ": a JPEG frame header cut short");
      return compare(index, big16(bytes, at + 7), big16(bytes, at + 5), bytes[at + 9], bytes[at + 4], geometry,
                     marker == 0xF7 ? "JPEG-LS" : "JPEG");
    }
    if (marker == 0xDA || marker == 0xD9) return inconsistent(frame_name(index) + ": no JPEG frame header");
    at += 2 + length;
  }
  return {};  // the frame header lies beyond the bytes read (large APP segments): not judged
}

// RLE (PS3.5 G.3): one segment per byte of each sample, offsets inside the fragment, and no
// segment longer than its frame could ever need (the worst encoding, a run per byte, takes
// two bytes for each).
result<void> check_rle(const fragment_head& fragment, std::size_t index, const pixel_geometry& geometry) {
  const std::string where = frame_name(index) + ": RLE ";
  const std::span<const unsigned char> bytes(fragment.head);
  if (fragment.length < 64 || bytes.size() < 64) return inconsistent(where + "header cut short");
  const std::uint32_t segments = little32(bytes, 0);
  const std::uint32_t expected = geometry.samples_per_pixel * std::max(1U, geometry.bits_allocated / 8);
  if (segments != expected || segments > 15) {
    return inconsistent(where + "has " + std::to_string(segments) + " segments, the header needs " +
                        std::to_string(expected));
  }
  const std::uint64_t per_segment = std::uint64_t{geometry.rows} * geometry.columns;
  const std::uint64_t longest = 2 * per_segment + 1;
  for (std::uint32_t s = 0; s < segments; ++s) {
    const std::uint64_t start = little32(bytes, 4 + s * 4);
    const std::uint64_t end = s + 1 < segments ? little32(bytes, 8 + s * 4) : fragment.length;
    if (start < 64 || end < start || end > fragment.length) {
      return inconsistent(where + "segment " + std::to_string(s + 1) + " lies outside its fragment");
    }
    if (end - start > longest) {
      return inconsistent(where + "segment " + std::to_string(s + 1) + " holds " + std::to_string(end - start) +
                          " bytes, more than its " + std::to_string(per_segment) + "-byte frame can need");
    }
  }
  return {};
}

// Each frame's codestream header against the description; the count against
// NumberOfFrames where a frame starts a fragment.
result<void> check_frames(const std::vector<fragment_head>& fragments, const gdcm::TransferSyntax& syntax,
                          const pixel_geometry& geometry) {
  const bool rle = syntax == gdcm::TransferSyntax::RLELossless;
  if (rle && fragments.size() != geometry.frames) {  // PS3.5 A.4.2: one fragment per RLE frame
    return inconsistent(std::to_string(geometry.frames) + " frames declared, " + std::to_string(fragments.size()) +
                        " RLE fragments present");
  }
  std::size_t frame = 0;
  for (const fragment_head& fragment : fragments) {
    const std::span<const unsigned char> bytes(fragment.head);
    result<void> checked;
    if (rle) {
      checked = check_rle(fragment, frame, geometry);
    } else if (bytes.size() >= 2 && bytes[0] == 0xFF && bytes[1] == 0x4F) {
      checked = check_j2k(bytes, frame, geometry);
    } else if (bytes.size() >= 2 && bytes[0] == 0xFF && bytes[1] == 0xD8) {
      checked = check_jpeg(bytes, frame, geometry);
    } else {
      continue;  // the rest of a frame split over fragments, or a stream not judged here
    }
    if (!checked) return checked.error();
    ++frame;
  }
  if (!rle && frame > 0 && frame < geometry.frames) {
    return inconsistent(std::to_string(geometry.frames) + " frames declared, " + std::to_string(frame) +
                        " codestreams present");
  }
  return {};
}

}  // namespace

std::uint64_t pixel_geometry::decoded_bytes() const {
  // In 128 bits: 65535 x 65535 x 3 x 2^32 frames does not fit 64 (saturates instead).
  __extension__ using uint128 = unsigned __int128;
  const uint128 samples = uint128{rows} * columns * samples_per_pixel * frames;
  const uint128 bytes = bits_allocated == 1 ? (samples + 7) / 8 : samples * (bits_allocated / 8);
  return bytes > ~std::uint64_t{0} ? ~std::uint64_t{0} : static_cast<std::uint64_t>(bytes);
}

result<std::optional<pixel_geometry>> check_pixel_header(const std::filesystem::path& file) {
  if (auto lengths = check_value_lengths(file); !lengths) return lengths.error();
  gdcm::Reader reader;
  const gdcm_input input(file, reader, true);
  std::istream& stream = *input.stream();
  // Stops after Pixel Data's header, its value skipped: nothing it declares is allocated.
  using found = std::optional<pixel_geometry>;
  if (!reader.ReadUpToTag(pixel_data_tag, {pixel_data_tag})) return found();
  const gdcm::DataSet& dataset = reader.GetFile().GetDataSet();
  const gdcm::TransferSyntax syntax = reader.GetFile().GetHeader().GetDataSetTransferSyntax();
  const std::size_t value_offset = reader.GetStreamCurrentPosition();
  stream.clear();
  stream.seekg(0, std::ios::end);
  const auto stream_size = static_cast<std::uint64_t>(stream.tellg());
  const bool reached_pixel_data =
      stream && value_offset >= 4 && value_offset <= stream_size && dataset.FindDataElement(gdcm::Tag(0x0028, 0x0010));
  if (!reached_pixel_data || !stopped_at_pixel_data(stream, value_offset))
    return found();  // the readers say what it is

  const bool big_endian = syntax == gdcm::TransferSyntax::ExplicitVRBigEndian;
  pixel_geometry geometry;
  // Rows, Columns and BitsAllocated must be there; the rest as GDCM reads them when missing.
  const auto read = [&](std::uint16_t element, const char* keyword,
                        std::optional<std::uint32_t> otherwise) -> result<std::uint32_t> {
    if (otherwise && !dataset.FindDataElement(gdcm::Tag(0x0028, element))) return *otherwise;
    return unsigned_short(dataset, element, keyword);
  };
  auto rows = read(0x0010, "Rows", std::nullopt);
  auto columns = read(0x0011, "Columns", std::nullopt);
  auto allocated = read(0x0100, "BitsAllocated", std::nullopt);
  if (!rows) return rows.error();
  if (!columns) return columns.error();
  if (!allocated) return allocated.error();
  auto samples = read(0x0002, "SamplesPerPixel", 1U);
  auto stored = read(0x0101, "BitsStored", allocated.value());
  if (!samples) return samples.error();
  if (!stored) return stored.error();
  auto high_bit = read(0x0102, "HighBit", stored.value() - 1);
  if (!high_bit) return high_bit.error();
  geometry.rows = rows.value();
  geometry.columns = columns.value();
  geometry.bits_allocated = allocated.value();
  geometry.samples_per_pixel = samples.value();
  geometry.bits_stored = stored.value();
  geometry.frames = number_of_frames(dataset);

  const std::set<std::uint32_t> allocations = {1, 8, 16, 32};
  if (geometry.samples_per_pixel != 1 && geometry.samples_per_pixel != 3) {
    return inconsistent("SamplesPerPixel is " + std::to_string(geometry.samples_per_pixel) + " (1 or 3)");
  }
  if (!allocations.contains(geometry.bits_allocated)) {
    return inconsistent("BitsAllocated is " + std::to_string(geometry.bits_allocated) + " (1, 8, 16 or 32)");
  }
  if (geometry.bits_stored == 0 || geometry.bits_stored > geometry.bits_allocated) {
    return inconsistent("BitsStored " + std::to_string(geometry.bits_stored) + " does not fit BitsAllocated " +
                        std::to_string(geometry.bits_allocated));
  }
  // The norm is BitsStored - 1; what cannot be read is a bit outside the allocated ones.
  if (high_bit.value() >= geometry.bits_allocated || high_bit.value() + 1 < geometry.bits_stored) {
    return inconsistent("HighBit " + std::to_string(high_bit.value()) + " does not hold BitsStored " +
                        std::to_string(geometry.bits_stored) + " within BitsAllocated " +
                        std::to_string(geometry.bits_allocated));
  }
  if (geometry.rows == 0 || geometry.columns == 0 || geometry.frames == 0) {
    return inconsistent("Rows, Columns and NumberOfFrames must be at least 1");
  }
  std::uint64_t decoded = geometry.decoded_bytes();
  if (decoded > max_decoded_pixel_bytes) {
    return failure{"pixel data would decode to " + std::to_string(decoded) + " bytes, over the limit of " +
                   std::to_string(max_decoded_pixel_bytes) + " for one file"};
  }

  if (syntax == gdcm::TransferSyntax::DeflatedExplicitVRLittleEndian) return found(geometry);  // sizes differ by design
  stream.clear();
  stream.seekg(static_cast<std::streamoff>(value_offset - 4));
  const auto declared = read32(stream, big_endian);
  if (syntax.IsEncapsulated()) {
    if (declared != 0xFFFFFFFF) return inconsistent("compressed Pixel Data with a defined length");
    auto fragments = fragment_heads(stream, stream_size);
    if (!fragments) return fragments.error();
    if (auto frames = check_frames(*fragments, syntax, geometry); !frames) return frames.error();
    return found(geometry);
  }
  // Native: the declared length, the bytes the file holds and the geometry must agree.
  if (!declared || *declared == 0xFFFFFFFF) return inconsistent("native Pixel Data without a defined length");
  if (*declared > stream_size - value_offset) {
    return failure{"file truncated: Pixel Data declares " + std::to_string(*declared) + " bytes, the file holds " +
                   std::to_string(stream_size - value_offset) + " after it"};
  }
  // Uncompressed YBR_FULL_422 keeps two luma and one pair of chroma samples per two pixels.
  const gdcm::Tag photometric_tag(0x0028, 0x0004);
  const gdcm::ByteValue* photometric =
      dataset.FindDataElement(photometric_tag) ? dataset.GetDataElement(photometric_tag).GetByteValue() : nullptr;
  if (photometric != nullptr &&
      std::string(photometric->GetPointer(), photometric->GetLength()).starts_with("YBR_FULL_422")) {
    decoded = decoded / 3 * 2;
  }
  const std::uint64_t padded = decoded + (decoded % 2);
  if (*declared != decoded && *declared != padded) {
    return inconsistent("Pixel Data holds " + std::to_string(*declared) +
                        " bytes, its rows, columns, samples, bits "
                        "and frames make " +
                        std::to_string(decoded));
  }
  return found(geometry);
}

}  // namespace dcmflow::dicom
