#include "dicom/instance.hpp"

#include <gdcmWriter.h>

#include <fstream>
#include <system_error>

#include "dicom/instance_impl.hpp"

namespace dcmflow::dicom {

instance::instance(std::unique_ptr<impl> state) : impl_(std::move(state)) {}
instance::instance(instance&&) noexcept = default;
instance& instance::operator=(instance&&) noexcept = default;
instance::~instance() = default;

const std::string& instance::sop_class_uid() const { return impl_->sop_class_uid; }
const std::string& instance::sop_instance_uid() const { return impl_->sop_instance_uid; }

result<void> instance::write_file(const std::filesystem::path& path) const {
  std::filesystem::path partial = path;
  partial += ".part";
  {
    std::ofstream stream(partial, std::ios::binary | std::ios::trunc);
    if (!stream) return failure{"cannot create " + partial.string()};
    gdcm::Writer writer;
    writer.SetStream(stream);
    writer.SetFile(*impl_->file);
    writer.SetCheckFileMetaInformation(true);  // fills group 0002 from the dataset
    if (!writer.Write() || !stream.flush()) {
      std::error_code ignored;
      std::filesystem::remove(partial, ignored);
      return failure{"cannot write " + path.string()};
    }
  }
  std::error_code error;
  std::filesystem::rename(partial, path, error);
  if (error) return failure{"cannot write " + path.string() + ": " + error.message()};
  return {};
}

}  // namespace dcmflow::dicom
