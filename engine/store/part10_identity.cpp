#include "store/part10_identity.hpp"

#include <dcmtk/config/osconfig.h>  // first, as DCMTK asks
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcmetinf.h>

#include "core/file_bytes.hpp"
#include "store/dcmtk_scu.hpp"

namespace dcmflow::store {
namespace {

std::string text_of(DcmItem& item, const DcmTagKey& tag) {
  OFString value;
  if (item.findAndGetOFString(tag, value).bad()) return {};
  std::string text(value.c_str(), value.length());
  // UIDs are padded to even length with NUL (some writers use a space): not part of the value.
  while (!text.empty() && (text.back() == '\0' || text.back() == ' ')) text.pop_back();
  return text;
}

// Parsing stops at the first tag after SOP Instance UID: pixels are never looked at.
const DcmTagKey after_sop_instance_uid(0x0008, 0x0019);

result<part10_identity> identity_of(DcmFileFormat& file, const OFCondition& read) {
  if (read.bad()) return failure{std::string("not a DICOM file DCMTK can read: ") + read.text()};
  part10_identity found{text_of(*file.getDataset(), DCM_SOPClassUID), text_of(*file.getDataset(), DCM_SOPInstanceUID),
                        text_of(*file.getMetaInfo(), DCM_TransferSyntaxUID)};
  if (found.transfer_syntax_uid.empty())
    found.transfer_syntax_uid = DcmXfer(file.getDataset()->getOriginalXfer()).getXferID();
  if (found.sop_class_uid.empty() || found.sop_instance_uid.empty()) {
    return failure{"no SOP Class UID or SOP Instance UID: not a composite object that can be stored"};
  }
  return found;
}

}  // namespace

result<part10_identity> read_part10_identity(std::string_view part10) {
  quiet_dcmtk();  // DCMTK warns, on stderr, that it stopped where it was asked to
  if (part10.size() < 132 || part10.substr(128, 4) != "DICM") return failure{"not a DICOM Part 10 file"};
  DcmFileFormat file;
  DcmInputBufferStream stream;
  stream.setBuffer(part10.data(), static_cast<offile_off_t>(part10.size()));
  stream.setEos();
  file.transferInit();
  const OFCondition read =
      file.readUntilTag(stream, EXS_Unknown, EGL_noChange, DCM_MaxReadLength, after_sop_instance_uid);
  file.transferEnd();
  return identity_of(file, read);
}

result<part10_identity> read_part10_file_identity(const std::filesystem::path& path) {
  quiet_dcmtk();
  auto head = read_file_prefix(path, 132);
  if (!head) return head.error();  // missing or unreadable: its own reason
  if (head->size() < 132 || std::string_view(*head).substr(128) != "DICM") return failure{"not a DICOM Part 10 file"};
  DcmFileFormat file;
  const OFCondition read = file.loadFileUntilTag(path.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength,
                                                 ERM_autoDetect, after_sop_instance_uid);
  return identity_of(file, read);
}

}  // namespace dcmflow::store
