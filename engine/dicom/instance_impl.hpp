#pragma once
// Private to dicom/: the GDCM state behind dicom::instance.

#include <gdcmFile.h>
#include <gdcmSmartPointer.h>

#include <string>

#include "dicom/instance.hpp"

namespace dcmflow::dicom {

struct instance::impl {
  // Reference counted: gdcm::Writer::SetFile() takes a reference and drops it when done,
  // so a File owned any other way would be deleted under us.
  gdcm::SmartPointer<gdcm::File> file = new gdcm::File;
  std::string sop_class_uid;
  std::string sop_instance_uid;
};

}  // namespace dcmflow::dicom
