#include "dicom/secondary_capture.hpp"

#include <gdcmDataElement.h>

#include <cstdio>
#include <string>

#include "dicom/common_modules.hpp"
#include "dicom/element.hpp"
#include "dicom/instance_impl.hpp"
#include "dicom/sop_class.hpp"

#ifndef DCMFLOW_VERSION
#error "DCMFLOW_VERSION must be defined by the build"
#endif

namespace dcmflow::dicom {
namespace {

void add_series_and_equipment(gdcm::DataSet& ds, const secondary_capture_request& request) {
  set_text(ds, {0x0008, 0x0060}, "CS", "OT");  // Modality: "other", as SC asks when unknown
  set_text(ds, {0x0020, 0x000E}, "UI", request.series_instance_uid);
  set_text(ds, {0x0020, 0x0011}, "IS", "1");    // SeriesNumber
  set_text(ds, {0x0008, 0x0064}, "CS", "WSD");  // ConversionType: workstation
  // General Equipment is optional for SC, but a manifest may fill it (InstitutionName); its
  // type 2 Manufacturer -- of the equipment that made the original, unknown -- stays empty.
  set_text(ds, {0x0008, 0x0070}, "LO", "");
  set_text(ds, {0x0018, 0x1016}, "LO", "dcmflow");        // SecondaryCaptureDeviceManufacturer
  set_text(ds, {0x0018, 0x1019}, "LO", DCMFLOW_VERSION);  // SecondaryCaptureDeviceSoftwareVersions
}

void add_image(gdcm::DataSet& ds, const raster::raster& image, sop_class cls, const date_time& now,
               std::uint32_t instance_number) {
  set_text(ds, {0x0008, 0x0008}, "CS", "DERIVED\\SECONDARY");             // ImageType
  set_text(ds, {0x0020, 0x0013}, "IS", std::to_string(instance_number));  // InstanceNumber
  set_text(ds, {0x0020, 0x0020}, "CS", "");                               // PatientOrientation: unknown for a scan
  // A report or photo is of no paired body part: ImageLaterality U (unpaired) lets the
  // series-level Laterality (type 2C) stay absent, as PS3.3 C.7.3.1 asks then.
  set_text(ds, {0x0020, 0x0062}, "CS", "U");
  set_text(ds, {0x0008, 0x0023}, "DA", now.date);  // ContentDate
  set_text(ds, {0x0008, 0x0033}, "TM", now.time);  // ContentTime
  set_text(ds, {0x0018, 0x1012}, "DA", now.date);  // DateOfSecondaryCapture
  set_text(ds, {0x0018, 0x1014}, "TM", now.time);  // TimeOfSecondaryCapture
  // A scanned report or photo may show names and dates: say so, de-identification checks it.
  set_text(ds, {0x0028, 0x0301}, "CS", "YES");  // BurnedInAnnotation
  if (image.lossy_source_method.empty()) {
    set_text(ds, {0x0028, 0x2110}, "CS", "00");  // LossyImageCompression
  } else {
    set_text(ds, {0x0028, 0x2110}, "CS", "01");
    set_text(ds, {0x0028, 0x2114}, "CS", image.lossy_source_method);  // LossyImageCompressionMethod
  }

  if (image.pixel_spacing_mm) {
    // A rendered page: the size of a pixel on paper (SC Image module). Pixel Spacing, since
    // Nominal Scanned Pixel Spacing belongs to scanner conversions (DF, SD, SI), not WSD.
    char spacing[17];
    std::snprintf(spacing, sizeof spacing, "%.10g", *image.pixel_spacing_mm);
    set_text(ds, {0x0028, 0x0030}, "DS", std::string(spacing) + "\\" + spacing);  // PixelSpacing
  }

  const codecs::frame_info& frame = image.frame;
  const bool grey = frame.samples_per_pixel == 1;
  set_us(ds, {0x0028, 0x0002}, frame.samples_per_pixel);
  set_text(ds, {0x0028, 0x0004}, "CS", grey ? "MONOCHROME2" : "RGB");
  if (!grey) set_us(ds, {0x0028, 0x0006}, static_cast<std::uint16_t>(frame.planar));
  set_us(ds, {0x0028, 0x0010}, static_cast<std::uint16_t>(frame.height));
  set_us(ds, {0x0028, 0x0011}, static_cast<std::uint16_t>(frame.width));
  set_us(ds, {0x0028, 0x0100}, frame.bits_allocated);
  set_us(ds, {0x0028, 0x0101}, frame.bits_stored);
  set_us(ds, {0x0028, 0x0102}, static_cast<std::uint16_t>(frame.bits_stored - 1));
  set_us(ds, {0x0028, 0x0103}, frame.is_signed ? 1 : 0);

  if (is_multiframe(cls)) {
    set_text(ds, {0x0028, 0x0008}, "IS", std::to_string(image.frame_count));  // NumberOfFrames
  }
  if (is_multiframe(cls) && image.frame_count > 1) {
    // Pages of a document: the SC Multi-frame Vector module points at the page numbers.
    set_at(ds, {0x0028, 0x0009}, {0x0018, 0x2001});  // FrameIncrementPointer -> PageNumberVector
    std::string pages;
    for (std::uint32_t page = 1; page <= image.frame_count; ++page) {
      if (page > 1) pages += '\\';
      pages += std::to_string(page);
    }
    set_text(ds, {0x0018, 0x2001}, "IS", pages);  // PageNumberVector
  }
  if (grey && is_multiframe(cls)) {
    // Required for the grey multi-frame SC classes (PS3.3 C.8.6.3): identity rescale.
    set_text(ds, {0x0028, 0x1052}, "DS", "0");         // RescaleIntercept
    set_text(ds, {0x0028, 0x1053}, "DS", "1");         // RescaleSlope
    set_text(ds, {0x0028, 0x1054}, "LO", "US");        // RescaleType: unspecified
    set_text(ds, {0x2050, 0x0020}, "CS", "IDENTITY");  // PresentationLUTShape
  }
}

}  // namespace

result<instance> build_secondary_capture(raster::raster image, const secondary_capture_request& request) {
  if (image.frame.width > 0xFFFF || image.frame.height > 0xFFFF) {
    return failure{"image is " + std::to_string(image.frame.width) + "x" + std::to_string(image.frame.height) +
                   "; DICOM rows and columns stop at 65535"};
  }
  const sop_class cls = choose_secondary_capture_class(image.frame, image.frame_count);
  auto state = std::make_unique<instance::impl>();
  state->sop_class_uid = std::string(uid_of(cls));
  state->sop_instance_uid = request.sop_instance_uid;

  gdcm::DataSet& ds = state->file->GetDataSet();
  const date_time now = local_date_time(request.created);
  set_text(ds, {0x0008, 0x0005}, "CS", specific_character_set(request.character_set));
  set_text(ds, {0x0008, 0x0012}, "DA", now.date);  // InstanceCreationDate
  set_text(ds, {0x0008, 0x0013}, "TM", now.time);  // InstanceCreationTime
  set_text(ds, {0x0008, 0x0016}, "UI", state->sop_class_uid);
  set_text(ds, {0x0008, 0x0018}, "UI", state->sop_instance_uid);
  add_patient_and_study(ds, request.study_instance_uid);
  add_series_and_equipment(ds, request);
  add_image(ds, image, cls, now, request.instance_number);
  if (auto applied = apply_attributes(ds, request.attributes, request.character_set); !applied) {
    return applied.error();
  }
  state->sop_instance_uid = get_text(ds, {0x0008, 0x0018});  // the user may have set it

  state->frame = image.frame;
  state->frame_count = image.frame_count;
  state->native_pixels = std::move(image.pixels);
  return instance(std::move(state));
}

}  // namespace dcmflow::dicom
