#include "dicom/display.hpp"

#include <gdcmImageApplyLookupTable.h>
#include <gdcmImageChangePhotometricInterpretation.h>
#include <gdcmImageChangePlanarConfiguration.h>
#include <gdcmImageChangeTransferSyntax.h>
#include <gdcmImageReader.h>
#include <gdcmReader.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include "dicom/dicom_reader.hpp"
#include "dicom/element.hpp"
#include "dicom/gdcm_input.hpp"
#include "raster/image_loader.hpp"

namespace dcmflow::dicom {
namespace {

// The first value of a multi-valued DS ("40\\400" -> 40).
std::optional<double> first_number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str()) return std::nullopt;
  return value;
}

// Uncompressed YBR_FULL_422: two pixels share one Cb and one Cr (Y1 Y2 Cb Cr); to RGB with
// the full-range BT.601 equations of PS3.3 C.7.6.3.1.2.
result<display_source> subsampled_to_rgb(const gdcm::Image& image) {
  display_source source;
  source.frame.width = image.GetDimension(0);
  source.frame.height = image.GetDimension(1);
  source.frame.samples_per_pixel = 3;
  source.frame.bits_allocated = 8;
  source.frame.bits_stored = 8;
  source.frame.photometric = codecs::photometric::rgb;
  source.frame_count = image.GetNumberOfDimensions() > 2 ? image.GetDimension(2) : 1;
  std::vector<unsigned char> packed(image.GetBufferLength());
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
  if (!image.GetBuffer(reinterpret_cast<char*>(packed.data()))) return failure{"cannot decode pixel data"};
  const std::size_t pixels = std::size_t{source.frame.width} * source.frame.height * source.frame_count;
  if (packed.size() < pixels * 2 || source.frame.width % 2 != 0) {
    return failure{"YBR_FULL_422 pixel data does not match its rows and columns"};
  }
  source.pixels.resize(pixels * 3);
  const auto clamp = [](double value) { return static_cast<std::byte>(std::clamp(std::lround(value), 0L, 255L)); };
  // GDCM may hand the samples back already expanded to one Cb and Cr per pixel.
  const bool expanded = packed.size() >= pixels * 3;
  for (std::size_t pixel = 0; pixel < pixels; ++pixel) {
    const std::size_t pair = pixel / 2;
    const double y = expanded ? packed[pixel * 3] : packed[pair * 4 + pixel % 2];
    const double cb = (expanded ? packed[pixel * 3 + 1] : packed[pair * 4 + 2]) - 128.0;
    const double cr = (expanded ? packed[pixel * 3 + 2] : packed[pair * 4 + 3]) - 128.0;
    std::byte* rgb = source.pixels.data() + pixel * 3;
    rgb[0] = clamp(y + 1.402 * cr);
    rgb[1] = clamp(y - 0.344136 * cb - 0.714136 * cr);
    rgb[2] = clamp(y + 1.772 * cb);
  }
  return source;
}

constexpr std::string_view encapsulated_pdf_class = "1.2.840.10008.5.1.4.1.1.104.1";
constexpr double pdf_preview_dpi = 100;  // an A4 page 827 x 1169: readable, quick

// An Encapsulated PDF shows as its document's first page, rendered as a reader would see it
// (only that page: a document of any length costs one page). Empty when the file is not one.
// Asked only of files GDCM's image reader refused, so images are read once.
std::optional<result<display_source>> encapsulated_pdf_page(const std::filesystem::path& file) {
  gdcm::Reader whole;
  whole.SetFileName(file.c_str());
  if (!whole.Read()) return std::nullopt;
  const gdcm::DataSet& dataset = whole.GetFile().GetDataSet();
  if (get_text(dataset, {0x0008, 0x0016}) != encapsulated_pdf_class) return std::nullopt;
  if (get_text(dataset, {0x0042, 0x0012}) != "application/pdf") {
    return failure{"an Encapsulated PDF whose MIME Type of Encapsulated Document is not application/pdf"};
  }
  const gdcm::Tag document_tag(0x0042, 0x0011);
  const gdcm::ByteValue* document =
      dataset.FindDataElement(document_tag) ? dataset.GetDataElement(document_tag).GetByteValue() : nullptr;
  if (document == nullptr || document->GetLength() == 0) return failure{"an Encapsulated PDF without its document"};
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): GDCM hands out char*
  const auto* bytes = reinterpret_cast<const std::byte*>(document->GetPointer());
  auto rendered = raster::render_pdf_page(std::span(bytes, document->GetLength()), 0, pdf_preview_dpi);
  if (!rendered) return rendered.error();
  display_source source;
  source.frame = rendered->frame;
  source.frame_count = 1;
  source.pixels = std::move(rendered->pixels);
  source.window_center = 127.5;  // rendered 8-bit values, shown as they are
  source.window_width = 256;
  return source;
}

}  // namespace

result<display_source> read_for_display(const std::filesystem::path& file) {
  native_image file_image;
  auto readable = file_image.read(file);
  if (!readable) return readable.error();
  if (!readable.value()) {
    if (auto document = encapsulated_pdf_page(file)) return std::move(*document);
    return failure{"cannot read DICOM: no image GDCM can read (not an image, or damaged)"};
  }
  if (auto decoded = file_image.decode(file); !decoded) return decoded.error();
  const gdcm::ImageReader& reader = file_image.reader();
  // Filters hand their output on by reference: each stays alive while the next reads it.
  const gdcm::Image* current = &file_image.decoded();
  gdcm::ImageApplyLookupTable palette;
  gdcm::ImageChangePhotometricInterpretation to_rgb;
  gdcm::ImageChangePlanarConfiguration interleave;
  const auto pi = current->GetPhotometricInterpretation();
  if (pi == gdcm::PhotometricInterpretation::PALETTE_COLOR) {
    palette.SetInput(*current);
    if (!palette.Apply()) return failure{"cannot apply the palette"};
    current = &palette.GetOutput();
  } else if (pi == gdcm::PhotometricInterpretation::YBR_FULL_422 &&
             !reader.GetImage().GetTransferSyntax().IsEncapsulated()) {
    return subsampled_to_rgb(*current);  // GDCM converts only decoded JPEG
  } else if (pi == gdcm::PhotometricInterpretation::YBR_FULL || pi == gdcm::PhotometricInterpretation::YBR_FULL_422) {
    to_rgb.SetPhotometricInterpretation(gdcm::PhotometricInterpretation::RGB);
    to_rgb.SetInput(*current);
    if (!to_rgb.Change()) return failure{"cannot convert YBR pixel data to RGB"};
    current = &to_rgb.GetOutput();
  }
  if (current->GetPlanarConfiguration() == 1) {
    interleave.SetPlanarConfiguration(0);
    interleave.SetInput(*current);
    if (!interleave.Change()) return failure{"cannot interleave planar colour"};
    current = &interleave.GetOutput();
  }
  const gdcm::Image& image = *current;

  const gdcm::PixelFormat& format = image.GetPixelFormat();
  const auto shown = image.GetPhotometricInterpretation();
  const unsigned bits = format.GetBitsAllocated();
  if ((bits != 1 && bits != 8 && bits != 16 && bits != 32) ||
      (format.GetSamplesPerPixel() != 1 && format.GetSamplesPerPixel() != 3) ||
      (format.GetSamplesPerPixel() == 3 && bits != 8 && bits != 16)) {
    return failure{"pixel data of " + std::to_string(bits) + " bits allocated and " +
                   std::to_string(format.GetSamplesPerPixel()) + " samples per pixel cannot be shown"};
  }
  display_source source;
  source.frame.width = image.GetDimension(0);
  source.frame.height = image.GetDimension(1);
  source.frame.samples_per_pixel = format.GetSamplesPerPixel();
  source.frame.bits_allocated = static_cast<std::uint16_t>(bits);
  source.frame.bits_stored = format.GetBitsStored();
  source.frame.is_signed = format.GetPixelRepresentation() == 1;
  source.frame.photometric = format.GetSamplesPerPixel() == 3                        ? codecs::photometric::rgb
                             : shown == gdcm::PhotometricInterpretation::MONOCHROME1 ? codecs::photometric::monochrome1
                                                                                     : codecs::photometric::monochrome2;
  source.frame_count = image.GetNumberOfDimensions() > 2 ? image.GetDimension(2) : 1;
  std::vector<std::byte> buffer(image.GetBufferLength());
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): GDCM takes char*
  if (!image.GetBuffer(reinterpret_cast<char*>(buffer.data()))) {
    return failure{"cannot decode pixel data"};
  }
  const std::size_t samples =
      std::size_t{source.frame.width} * source.frame.height * source.frame_count * source.frame.samples_per_pixel;
  if (bits == 1) {
    // Bit-packed (segmentations, overlays): the first pixel in the lowest bit; shown as 0 and 1.
    if (buffer.size() * 8 < samples) return failure{"cannot decode pixel data: too short for its rows and columns"};
    source.frame.bits_allocated = 8;
    source.frame.bits_stored = 8;
    source.pixels.resize(samples);
    for (std::size_t i = 0; i < samples; ++i) {
      source.pixels[i] = static_cast<std::byte>((std::to_integer<unsigned>(buffer[i / 8]) >> (i % 8)) & 1U);
    }
  } else if (bits == 32) {
    // 32-bit grey (dose grids...): kept as 16-bit with the scale folded into the rescale.
    if (buffer.size() < samples * 4) return failure{"cannot decode pixel data: too short for its rows and columns"};
    std::vector<double> values(samples);
    double largest = 1;
    for (std::size_t i = 0; i < samples; ++i) {
      std::uint32_t raw = 0;
      std::memcpy(&raw, buffer.data() + i * 4, 4);
      values[i] = source.frame.is_signed ? static_cast<double>(static_cast<std::int32_t>(raw)) : raw;
      largest = std::max(largest, std::abs(values[i]));
    }
    const double scale = largest / 32767.0;
    source.frame.bits_allocated = 16;
    source.frame.bits_stored = 16;
    source.frame.is_signed = true;
    source.pixels.resize(samples * 2);
    for (std::size_t i = 0; i < samples; ++i) {
      const auto word = static_cast<std::int16_t>(std::lround(values[i] / scale));
      std::memcpy(source.pixels.data() + i * 2, &word, 2);
    }
    source.rescale_slope = scale;  // multiplied by the file's own slope below
  } else {
    source.pixels = std::move(buffer);
  }
  if (source.pixels.size() != source.frame.bytes() * source.frame_count) {
    return failure{"cannot decode pixel data: its length does not match its rows, columns and frames"};
  }
  const gdcm::DataSet& dataset = reader.GetFile().GetDataSet();
  source.rescale_slope *= first_number(get_text(dataset, {0x0028, 0x1053})).value_or(1.0);
  source.rescale_intercept = first_number(get_text(dataset, {0x0028, 0x1052})).value_or(0.0);
  source.window_center = first_number(get_text(dataset, {0x0028, 0x1050}));
  source.window_width = first_number(get_text(dataset, {0x0028, 0x1051}));
  if (source.window_width && *source.window_width < 1) {  // no usable window: as if none
    source.window_width.reset();
    source.window_center.reset();
  }
  return source;
}

}  // namespace dcmflow::dicom
