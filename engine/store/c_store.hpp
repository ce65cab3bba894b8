#pragma once
// Private to store/: one C-STORE on an open association, and the datasets it sends.

#include <dcmtk/config/osconfig.h>  // first, as DCMTK asks
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmnet/scu.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "store/dcmtk_scu.hpp"

namespace dcmflow::store {

// A C-STORE whose response keeps what DcmSCU::sendSTORERequest drops: the status detail
// with the peer's Error Comment.
class store_scu : public peer_scu {
 public:
  struct outcome {
    OFCondition transport;  // bad: the association is unusable
    std::uint16_t status = 0;
    std::string comment;
  };

  // Sends the C-STORE request and reads its response. A bad `transport` leaves the
  // association unusable; otherwise `status` and `comment` are the peer's answer.
  outcome store(T_ASC_PresentationContextID context, DcmDataset& dataset, const std::string& sop_class,
                const std::string& sop_instance);

 private:
  Uint16 message_id_ = 0;
};

// The dataset of a Part 10 file held in memory.
[[nodiscard]] result<std::unique_ptr<DcmFileFormat>> parse_part10(const std::string& bytes);

// An existing Part 10 file, as storescu reads it: values longer than 4 KiB (the pixels)
// stay in the file until they are sent.
[[nodiscard]] result<std::unique_ptr<DcmFileFormat>> load_part10(const std::filesystem::path& path);

}  // namespace dcmflow::store
