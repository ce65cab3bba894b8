#include "store/c_store.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcistrmb.h>

namespace dcmflow::store {

store_scu::outcome store_scu::store(T_ASC_PresentationContextID context, DcmDataset& dataset,
                                    const std::string& sop_class, const std::string& sop_instance) {
  T_DIMSE_Message request{};
  request.CommandField = DIMSE_C_STORE_RQ;
  T_DIMSE_C_StoreRQ& store = request.msg.CStoreRQ;
  store.MessageID = ++message_id_;
  OFStandard::strlcpy(store.AffectedSOPClassUID, sop_class.c_str(), sizeof store.AffectedSOPClassUID);
  OFStandard::strlcpy(store.AffectedSOPInstanceUID, sop_instance.c_str(), sizeof store.AffectedSOPInstanceUID);
  store.DataSetType = DIMSE_DATASET_PRESENT;
  store.Priority = DIMSE_PRIORITY_MEDIUM;
  outcome result;
  result.transport = sendDIMSEMessage(context, &request, &dataset);
  if (result.transport.bad()) return result;
  T_DIMSE_Message response{};
  T_ASC_PresentationContextID answered = 0;
  DcmDataset* detail = nullptr;
  result.transport = receiveDIMSECommand(&answered, &response, &detail);
  if (result.transport.good() && response.CommandField != DIMSE_C_STORE_RSP) {
    result.transport = makeOFCondition(0, 1, OF_error, "the peer answered a C-STORE with another message");
  }
  if (result.transport.good()) result.status = response.msg.CStoreRSP.DimseStatus;
  if (detail != nullptr) {
    OFString comment;
    if (detail->findAndGetOFString(DCM_ErrorComment, comment).good()) result.comment = comment;
    delete detail;
  }
  return result;
}

// The dataset of a Part 10 file held in memory.
result<std::unique_ptr<DcmFileFormat>> parse_part10(const std::string& bytes) {
  auto file = std::make_unique<DcmFileFormat>();
  DcmInputBufferStream stream;
  stream.setBuffer(bytes.data(), static_cast<offile_off_t>(bytes.size()));
  stream.setEos();
  file->transferInit();
  const OFCondition read = file->read(stream, EXS_Unknown, EGL_noChange, DCM_MaxReadLength);
  file->transferEnd();
  if (read.bad()) return failure{std::string("cannot read the object for sending: ") + read.text()};
  return file;
}

// An existing Part 10 file, as storescu reads it: values longer than 4 KiB (the pixels)
// stay in the file until they are sent.
result<std::unique_ptr<DcmFileFormat>> load_part10(const std::filesystem::path& path) {
  auto file = std::make_unique<DcmFileFormat>();
  const OFCondition read = file->loadFile(path.c_str());
  if (read.bad()) return failure{"cannot read " + path.string() + " for sending: " + read.text()};
  return file;
}

}  // namespace dcmflow::store
