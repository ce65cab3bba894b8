#include "dicom/gdcm_input.hpp"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <span>
#include <vector>

#include <gdcmSequenceOfFragments.h>
#include <gdcmTrace.h>

#include <dcmflow/codecs/registry.hpp>
#include <dcmflow/codecs/transfer_syntax.hpp>
#include <dcmflow/codecs/untrusted.hpp>

#include "core/file_bytes.hpp"
#include "dicom/dicom_reader.hpp"
#include "dicom/pixel_checks.hpp"
#include "dicom/reader_checks.hpp"

namespace dcmflow::dicom {
namespace {

std::uint16_t read16(const std::string& bytes, std::size_t at) {
  std::uint16_t value = 0;
  std::memcpy(&value, bytes.data() + at, 2);
  return value;
}

std::uint32_t read32(const std::string& bytes, std::size_t at) {
  std::uint32_t value = 0;
  std::memcpy(&value, bytes.data() + at, 4);
  return value;
}

// The meta header's Transfer Syntax UID element, found by walking group 0002.
struct syntax_element {
  std::size_t at = 0;                  // the element's tag
  std::size_t header = 0;              // tag, VR and length
  std::size_t length = 0;              // of the value
  std::size_t group_length_value = 0;  // where (0002,0000)'s value is; 0: none
  std::string uid;
};

// Empty when the bytes are no Part 10 file or the meta names no syntax; `truncated` when
// the walk reached the end of the bytes still inside the meta header.
std::optional<syntax_element> find_syntax(const std::string& bytes, bool& truncated) {
  truncated = bytes.size() < 132;
  if (truncated || bytes.compare(128, 4, "DICM") != 0) return std::nullopt;
  syntax_element found;
  std::size_t at = 132;
  while (true) {
    if (at + 8 > bytes.size()) {
      truncated = true;
      return std::nullopt;
    }
    if (read16(bytes, at) != 0x0002) return std::nullopt;
    const std::uint16_t element = read16(bytes, at + 2);
    const std::string vr = bytes.substr(at + 4, 2);
    const bool long_form = vr == "OB" || vr == "OW" || vr == "UN" || vr == "SQ" || vr == "UT" || vr == "UC";
    const std::size_t header = long_form ? 12 : 8;
    const std::size_t length = at + header > bytes.size() ? 0
                               : long_form                ? read32(bytes, at + 8)
                                                          : read16(bytes, at + 6);
    if (at + header + length > bytes.size()) {
      truncated = true;
      return std::nullopt;
    }
    if (element == 0x0000) found.group_length_value = at + header;
    if (element == 0x0010) {
      found.at = at;
      found.header = header;
      found.length = length;
      found.uid = bytes.substr(at + header, length);
      while (!found.uid.empty() && (found.uid.back() == '\0' || found.uid.back() == ' ')) found.uid.pop_back();
      return found;
    }
    at += header + length;
  }
}

// The Part 10 file with its Transfer Syntax UID renamed, or empty when nothing is to rename.
// Only the start of the file is read unless there is something to rename: every file GDCM
// reads comes through here.
std::string renamed_copy(const std::filesystem::path& file, std::string& real_syntax) {
  constexpr std::size_t meta_prefix = 16384;  // a meta header is a few hundred bytes
  auto bytes = read_file_prefix(file, meta_prefix);
  if (!bytes) return {};
  bool truncated = false;
  auto syntax = find_syntax(*bytes, truncated);
  const bool whole = bytes->size() < meta_prefix;
  if (!syntax && truncated && !whole) {
    bytes = read_file_bytes(file);
    if (!bytes) return {};
    syntax = find_syntax(*bytes, truncated);
  }
  if (!syntax) return {};
  // GDCM 3.0 does not know HTJ2K: it reads such a dataset under its older twin's UID.
  const codecs::transfer_syntax* known = codecs::find_transfer_syntax(syntax->uid);
  if (known == nullptr || known->older_twin.empty()) return {};
  if (!whole) {
    bytes = read_file_bytes(file);
    if (!bytes) return {};
  }
  std::string value(known->older_twin);
  if (value.size() % 2 != 0) value.push_back('\0');
  const auto new_length = static_cast<std::uint16_t>(value.size());
  std::string out = bytes->substr(0, syntax->at + 6);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): little-endian bytes
  out.append(reinterpret_cast<const char*>(&new_length), 2);
  out += value;
  out += bytes->substr(syntax->at + syntax->header + syntax->length);
  if (syntax->group_length_value != 0) {
    const std::uint32_t group = read32(*bytes, syntax->group_length_value) -
                                static_cast<std::uint32_t>(syntax->length) + static_cast<std::uint32_t>(value.size());
    std::memcpy(out.data() + syntax->group_length_value, &group, 4);
  }
  real_syntax = syntax->uid;
  return out;
}

}  // namespace

std::string declared_transfer_syntax(const std::filesystem::path& file) {
  auto bytes = read_file_prefix(file, 16384);
  if (!bytes) return {};
  bool truncated = false;
  const auto syntax = find_syntax(*bytes, truncated);
  return syntax ? syntax->uid : std::string();
}

gdcm_input::gdcm_input(const std::filesystem::path& file, gdcm::Reader& reader, bool shared_stream) {
  std::string copy = renamed_copy(file, real_syntax_);
  if (!copy.empty()) {
    stream_ = std::make_unique<std::istringstream>(std::move(copy), std::ios::binary);
  } else if (shared_stream) {
    stream_ = std::make_unique<std::ifstream>(file, std::ios::binary);
  } else {
    reader.SetFileName(file.c_str());
    return;
  }
  reader.SetStream(*stream_);
}

result<bool> native_image::read(const std::filesystem::path& file) {
  static const bool quiet = [] {
    gdcm::Trace::WarningOff();
    gdcm::Trace::ErrorOff();
    gdcm::Trace::DebugOff();
    return true;
  }();
  (void)quiet;
  if (auto checked = check_pixel_header(file); !checked) return checked.error();
  input_ = std::make_unique<gdcm_input>(file, reader_);
  return reader_.Read();
}

namespace {

// The frames of encapsulated Pixel Data as codecs/ takes them: one fragment each, or one
// frame in several fragments. Empty for any other layout (GDCM knows the Basic Offset Table's
// ways).
std::vector<std::span<const std::byte>> frames_of(const gdcm::SequenceOfFragments& fragments, std::uint32_t frames,
                                                  std::vector<std::byte>& joined) {
  std::vector<std::span<const std::byte>> out;
  const auto count = fragments.GetNumberOfFragments();
  const auto bytes_of = [&](std::size_t index) -> std::span<const std::byte> {
    const gdcm::ByteValue* value = fragments.GetFragment(index).GetByteValue();
    if (value == nullptr) return {};
    return std::as_bytes(std::span(value->GetPointer(), value->GetLength()));
  };
  if (count == frames) {
    for (std::size_t index = 0; index < count; ++index) out.push_back(bytes_of(index));
  } else if (frames == 1 && count > 1) {
    for (std::size_t index = 0; index < count; ++index) {
      const auto part = bytes_of(index);
      joined.insert(joined.end(), part.begin(), part.end());
    }
    out.emplace_back(joined);
  }
  return out;
}

}  // namespace

std::optional<result<void>> native_image::decode_with_codecs() {
  const gdcm::Image& image = reader_.GetImage();
  const std::string syntax = input_->real_syntax().empty()
                                 ? std::string(gdcm::TransferSyntax::GetTSString(image.GetTransferSyntax()))
                                 : input_->real_syntax();
  const auto decoder = codecs::make_decoder(syntax);
  const gdcm::PixelFormat& format = image.GetPixelFormat();
  const gdcm::SequenceOfFragments* fragments = image.GetDataElement().GetSequenceOfFragments();
  if (!decoder || decoder->syntax().encoding != codecs::pixel_encoding::encapsulated || fragments == nullptr ||
      (format.GetBitsAllocated() != 8 && format.GetBitsAllocated() != 16) ||
      (format.GetSamplesPerPixel() != 1 && format.GetSamplesPerPixel() != 3)) {
    return std::nullopt;
  }
  const auto pi = image.GetPhotometricInterpretation();
  const bool colour = format.GetSamplesPerPixel() == 3;
  codecs::frame_info frame;
  frame.width = image.GetDimension(0);
  frame.height = image.GetDimension(1);
  frame.samples_per_pixel = format.GetSamplesPerPixel();
  frame.bits_allocated = format.GetBitsAllocated();
  frame.bits_stored = format.GetBitsStored();
  frame.is_signed = format.GetPixelRepresentation() == 1;
  frame.planar = codecs::planar_configuration::interleaved;
  frame.photometric = colour                                                 ? codecs::photometric::rgb
                      : pi == gdcm::PhotometricInterpretation::MONOCHROME1   ? codecs::photometric::monochrome1
                      : pi == gdcm::PhotometricInterpretation::PALETTE_COLOR ? codecs::photometric::palette_color
                                                                             : codecs::photometric::monochrome2;
  const std::uint32_t frame_count = image.GetNumberOfDimensions() > 2 ? image.GetDimension(2) : 1;
  std::vector<std::byte> joined;
  const auto frames = frames_of(*fragments, frame_count, joined);
  if (frames.empty()) return std::nullopt;

  const std::size_t frame_bytes = frame.bytes();
  std::vector<std::byte> pixels(frame_bytes * frame_count + (frame_bytes * frame_count) % 2);
  const std::string name(codecs::transfer_syntax_name(syntax));
  for (std::uint32_t index = 0; index < frame_count; ++index) {
    const auto into = std::span(pixels).subspan(index * frame_bytes, frame_bytes);
    if (const std::error_code error = codecs::decode_untrusted(*decoder, frames[index], frame, into)) {
      return result<void>(
          failure{"cannot decode frame " + std::to_string(index + 1) + " (" + name + "): " + error.message()});
    }
  }
  // Colour comes out as RGB where the codestream or the JPEG stream transforms it (JPEG 2000's
  // YBR_ICT/RCT, JPEG's YCbCr); other colour stays as stored (YBR_FULL in RLE stays YBR_FULL).
  gdcm::SmartPointer<gdcm::Image> out = new gdcm::Image(image);
  const bool transformed = pi == gdcm::PhotometricInterpretation::YBR_ICT ||
                           pi == gdcm::PhotometricInterpretation::YBR_RCT || syntax == "1.2.840.10008.1.2.4.50";
  if (colour && transformed) out->SetPhotometricInterpretation(gdcm::PhotometricInterpretation::RGB);
  if (colour) out->SetPlanarConfiguration(0);
  gdcm::DataElement pixel_data(gdcm::Tag(0x7FE0, 0x0010));
  pixel_data.SetVR(frame.bits_allocated == 16 ? gdcm::VR::OW : gdcm::VR::OB);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): GDCM takes char*
  pixel_data.SetByteValue(reinterpret_cast<const char*>(pixels.data()), static_cast<std::uint32_t>(pixels.size()));
  out->SetDataElement(pixel_data);
  out->SetTransferSyntax(gdcm::TransferSyntax::ExplicitVRLittleEndian);
  by_codecs_ = out;
  return result<void>();
}

result<void> native_image::decode(const std::filesystem::path& file) {
  if (auto whole = check_not_truncated(reader_.GetFile(), file); !whole) return whole.error();
  if (auto ours = decode_with_codecs()) return *ours;
  decode_.SetTransferSyntax(gdcm::TransferSyntax::ExplicitVRLittleEndian);
  decode_.SetInput(reader_.GetImage());
  if (!decode_.Change()) {
    return failure{std::string("cannot decode pixel data (") +
                   gdcm::TransferSyntax::GetTSString(reader_.GetImage().GetTransferSyntax()) + ")"};
  }
  return {};
}

}  // namespace dcmflow::dicom
