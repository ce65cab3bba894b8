#pragma once
// Private to dicom/: the state behind dicom::instance.

#include <gdcmFile.h>
#include <gdcmSmartPointer.h>

#include <string>
#include <vector>

#include "dicom/instance.hpp"

namespace dcmflow::dicom {

struct instance::impl {
  // Reference counted: gdcm::Writer::SetFile() takes a reference and drops it when done,
  // so a File owned any other way would be deleted under us. Holds no Pixel Data.
  gdcm::SmartPointer<gdcm::File> file = new gdcm::File;
  std::string sop_class_uid;
  std::string sop_instance_uid;
  std::string transfer_syntax_uid{explicit_vr_little_endian};
  codecs::pixel_encoding encoding = codecs::pixel_encoding::native;

  bool has_pixels = true;          // false for objects without Pixel Data (reports, waveforms)
  std::vector<std::string> notes;  // instance::notes()
  codecs::frame_info frame;
  std::uint32_t frame_count = 0;
  std::vector<std::byte> native_pixels;           // frame after frame, until compressed
  std::vector<std::vector<std::byte>> fragments;  // one per frame, once encapsulated
};

}  // namespace dcmflow::dicom
