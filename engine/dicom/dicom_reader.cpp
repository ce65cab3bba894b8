#include "dicom/dicom_reader.hpp"

#include <gdcmExplicitDataElement.h>
#include <gdcmFileExplicitFilter.h>
#include <gdcmFileMetaInformation.h>
#include <gdcmImage.h>
#include <gdcmImageChangePhotometricInterpretation.h>
#include <gdcmImageChangeTransferSyntax.h>
#include <gdcmImageReader.h>
#include <gdcmImplicitDataElement.h>
#include <gdcmReader.h>

#include <string>
#include <vector>

#include "dicom/element.hpp"
#include "dicom/gdcm_input.hpp"
#include "dicom/instance_impl.hpp"
#include "dicom/pixel_checks.hpp"
#include "dicom/reader_checks.hpp"

namespace dcmflow::dicom {
namespace {

result<codecs::photometric> photometric_of(const gdcm::PhotometricInterpretation& pi) {
  switch (pi) {
    case gdcm::PhotometricInterpretation::MONOCHROME1: return codecs::photometric::monochrome1;
    case gdcm::PhotometricInterpretation::MONOCHROME2: return codecs::photometric::monochrome2;
    case gdcm::PhotometricInterpretation::PALETTE_COLOR: return codecs::photometric::palette_color;
    case gdcm::PhotometricInterpretation::RGB: return codecs::photometric::rgb;
    default:
      return failure{std::string("Photometric Interpretation ") + gdcm::PhotometricInterpretation::GetPIString(pi) +
                     " is not supported"};
  }
}

// Group lengths (gggg,0000) are retired outside group 0002 and would be wrong once values
// are re-encoded.
void remove_group_lengths(gdcm::DataSet& dataset) {
  std::vector<gdcm::Tag> lengths;
  for (const gdcm::DataElement& element : dataset.GetDES()) {
    if (element.GetTag().GetElement() == 0x0000) lengths.push_back(element.GetTag());
  }
  for (const gdcm::Tag& tag : lengths) dataset.Remove(tag);
}

// The dataset with its VRs made explicit (values read without VRs would be written as UN)
// and retired group lengths dropped; no file meta.
result<void> prepare_dataset(instance::impl& state, bool implicit) {
  state.file->GetHeader().Clear();
  gdcm::DataSet& dataset = state.file->GetDataSet();
  dataset.Remove(gdcm::Tag(0x7FE0, 0x0010));
  if (implicit) {
    gdcm::FileExplicitFilter explicit_vrs;
    explicit_vrs.SetFile(*state.file);
    if (!explicit_vrs.Change()) return failure{"cannot convert implicit VR attributes to explicit VR"};
  }
  remove_group_lengths(dataset);
  state.sop_class_uid = get_text(dataset, {0x0008, 0x0016});
  state.sop_instance_uid = get_text(dataset, {0x0008, 0x0018});
  if (state.sop_class_uid.empty() || state.sop_instance_uid.empty()) {
    return failure{"cannot transcode: SOP Class or SOP Instance UID missing"};
  }
  return {};
}

// Objects without Pixel Data (reports, waveforms...) pass through whole: their text can
// still be re-encoded.
result<instance> read_without_pixels(const std::filesystem::path& file) {
  gdcm::Reader reader;
  const gdcm_input input(file, reader);
  if (!reader.Read()) return failure{"cannot read DICOM: not a DICOM file, or damaged"};
  if (reader.GetFile().GetDataSet().FindDataElement(gdcm::Tag(0x7FE0, 0x0010))) {
    return failure{"cannot decode this image: GDCM does not read its pixel description"};
  }
  if (auto whole = check_not_truncated(reader.GetFile(), file); !whole) return whole.error();
  auto state = std::make_unique<instance::impl>();
  state->file = new gdcm::File(reader.GetFile());
  state->has_pixels = false;
  const bool implicit = state->file->GetHeader().GetDataSetTransferSyntax().IsImplicit();
  if (auto prepared = prepare_dataset(*state, implicit); !prepared) return prepared.error();
  return instance(std::move(state));
}

}  // namespace

result<void> check_not_truncated(const gdcm::File& parsed, const std::filesystem::path& file) {
  const gdcm::TransferSyntax syntax = parsed.GetHeader().GetDataSetTransferSyntax();
  if (syntax == gdcm::TransferSyntax::DeflatedExplicitVRLittleEndian) return {};  // sizes differ by design
  std::error_code error;
  const std::uint64_t on_disk = std::filesystem::file_size(file, error);
  if (error) return {};
  const gdcm::DataSet& dataset = parsed.GetDataSet();
  const gdcm::FileMetaInformation& header = parsed.GetHeader();
  std::uint64_t encoded = syntax.IsImplicit()
                              ? static_cast<std::uint32_t>(dataset.GetLength<gdcm::ImplicitDataElement>())
                              : static_cast<std::uint32_t>(dataset.GetLength<gdcm::ExplicitDataElement>());
  encoded += static_cast<std::uint32_t>(header.GetLength<gdcm::ExplicitDataElement>());
  if (!header.GetPreamble().IsEmpty()) encoded += 128 + 4;  // preamble and "DICM"
  // One byte of slack: GDCM pads an odd-length last value (seen in real files) when it
  // counts; a cut inside Pixel Data loses far more than that.
  if (encoded > on_disk + 1) {
    return failure{"file truncated: its dataset needs " + std::to_string(encoded) + " bytes, the file has " +
                   std::to_string(on_disk)};
  }
  return {};
}

namespace {

// Pixels that came through a lossy syntax stay lossy whatever they are stored as next: a
// source that does not say so (many JPEG files leave Lossy Image Compression out) gets
// "01" and the method, so the object never claims to be original data (PS3.3 C.7.6.1.1.5).
// JPEG 2000 (.91) may be reversible: what the source says of it is kept.
void keep_lossy_history(gdcm::DataSet& dataset, const gdcm::TransferSyntax& source) {
  std::string_view method;
  switch (source) {
    case gdcm::TransferSyntax::JPEGBaselineProcess1:
    case gdcm::TransferSyntax::JPEGExtendedProcess2_4: method = "ISO_10918_1"; break;
    case gdcm::TransferSyntax::JPEGLSNearLossless: method = "ISO_14495_1"; break;
    default: return;
  }
  if (get_text(dataset, {0x0028, 0x2110}) == "01") return;  // its history is told already
  set_text(dataset, {0x0028, 0x2110}, "CS", "01");
  std::string methods = get_text(dataset, {0x0028, 0x2114});
  methods += (methods.empty() ? "" : "\\") + std::string(method);
  set_text(dataset, {0x0028, 0x2114}, "CS", methods);
}

}  // namespace

result<instance> read_decoded(const std::filesystem::path& file) {
  // Decode to native pixels: GDCM knows every legacy syntax.
  native_image image;
  auto readable = image.read(file);
  if (!readable) return readable.error();
  if (!readable.value()) return read_without_pixels(file);
  if (auto decoded_ok = image.decode(file); !decoded_ok) return decoded_ok.error();
  const gdcm::ImageReader& reader = image.reader();
  const gdcm::Image* decoded = &image.decoded();

  // Decoded JPEG stays YCbCr in GDCM; codecs that transform colour expect RGB.
  gdcm::ImageChangePhotometricInterpretation to_rgb;
  const auto pi = decoded->GetPhotometricInterpretation();
  const bool ybr =
      pi == gdcm::PhotometricInterpretation::YBR_FULL || pi == gdcm::PhotometricInterpretation::YBR_FULL_422;
  if (ybr) {
    if (reader.GetImage().GetTransferSyntax().IsEncapsulated() == false &&
        pi == gdcm::PhotometricInterpretation::YBR_FULL_422) {
      return failure{"uncompressed YBR_FULL_422 (subsampled) pixel data is not supported"};
    }
    to_rgb.SetPhotometricInterpretation(gdcm::PhotometricInterpretation::RGB);
    to_rgb.SetInput(*decoded);
    if (!to_rgb.Change()) return failure{"cannot convert YBR pixel data to RGB"};
    decoded = &to_rgb.GetOutput();
  }

  const gdcm::PixelFormat& format = decoded->GetPixelFormat();
  if ((format.GetBitsAllocated() != 8 && format.GetBitsAllocated() != 16) ||
      (format.GetSamplesPerPixel() != 1 && format.GetSamplesPerPixel() != 3)) {
    return failure{"pixel data of " + std::to_string(format.GetBitsAllocated()) + " bits allocated and " +
                   std::to_string(format.GetSamplesPerPixel()) + " samples per pixel cannot be compressed"};
  }
  auto photometric = photometric_of(decoded->GetPhotometricInterpretation());
  if (!photometric) return photometric.error();

  auto state = std::make_unique<instance::impl>();
  state->frame.width = decoded->GetDimension(0);
  state->frame.height = decoded->GetDimension(1);
  state->frame.samples_per_pixel = format.GetSamplesPerPixel();
  state->frame.bits_allocated = format.GetBitsAllocated();
  state->frame.bits_stored = format.GetBitsStored();
  state->frame.is_signed = format.GetPixelRepresentation() == 1;
  state->frame.planar = decoded->GetPlanarConfiguration() == 1 ? codecs::planar_configuration::planar
                                                               : codecs::planar_configuration::interleaved;
  state->frame.photometric = photometric.value();
  state->frame_count = decoded->GetNumberOfDimensions() > 2 ? decoded->GetDimension(2) : 1;
  state->native_pixels.resize(decoded->GetBufferLength());
  if (state->native_pixels.size() != state->frame.bytes() * state->frame_count ||
      // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): GDCM takes char*
      !decoded->GetBuffer(reinterpret_cast<char*>(state->native_pixels.data()))) {
    return failure{"cannot decode pixel data: its length does not match its rows, columns and frames"};
  }

  // The dataset as read, minus its pixels and file meta; what decoding changed is rewritten.
  state->file = new gdcm::File(reader.GetFile());
  const bool implicit = state->file->GetHeader().GetDataSetTransferSyntax().IsImplicit();
  if (auto prepared = prepare_dataset(*state, implicit); !prepared) return prepared.error();
  gdcm::DataSet& dataset = state->file->GetDataSet();
  set_text(dataset, {0x0028, 0x0004}, "CS",
           gdcm::PhotometricInterpretation::GetPIString(decoded->GetPhotometricInterpretation()));
  if (state->frame.samples_per_pixel == 3) {
    set_us(dataset, {0x0028, 0x0006}, static_cast<std::uint16_t>(decoded->GetPlanarConfiguration()));
  }
  // The file's own syntax (decoding changes the image's in place).
  keep_lossy_history(dataset, reader.GetFile().GetHeader().GetDataSetTransferSyntax());
  // A nested icon keeps the source's encoding (an old JPEG 2000 fragment under a new RLE
  // syntax is a file no reader decodes): it goes, and the item says so.
  const gdcm::Tag icon(0x0088, 0x0200);
  if (dataset.FindDataElement(icon)) {
    dataset.Remove(icon);
    state->notes.emplace_back("Icon Image Sequence dropped: its pixels were in the source's transfer syntax");
  }
  return instance(std::move(state));
}

std::uint64_t declared_pixel_bytes(const std::filesystem::path& file) {
  auto geometry = check_pixel_header(file);
  return geometry && geometry->has_value() ? (*geometry)->decoded_bytes() : 0;
}

result<std::string> read_uncompressed_part10(const std::filesystem::path& file) {
  auto decoded = read_decoded(file);
  if (!decoded) return decoded.error();
  return decoded->to_part10();
}

}  // namespace dcmflow::dicom
