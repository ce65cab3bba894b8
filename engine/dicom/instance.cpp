#include "dicom/instance.hpp"

#include <gdcmDataElement.h>
#include <gdcmExplicitDataElement.h>
#include <gdcmFileMetaInformation.h>
#include <gdcmFragment.h>
#include <gdcmSequenceOfFragments.h>
#include <gdcmTransferSyntax.h>
#include <gdcmWriter.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

#include <dcmflow/codecs/registry.hpp>
#include <system_error>

#include "dicom/element.hpp"
#include "dicom/instance_impl.hpp"
#include "dicom/uid.hpp"

namespace dcmflow::dicom {
namespace {

const gdcm::Tag pixel_data_tag(0x7FE0, 0x0010);

gdcm::DataElement native_pixel_data(const instance::impl& state) {
  gdcm::DataElement pixels(pixel_data_tag);
  pixels.SetVR(state.frame.bits_allocated > 8 ? gdcm::VR::OW : gdcm::VR::OB);
  // GDCM pads an odd length with a zero byte, as PS3.5 8.1.1 asks.
  pixels.SetByteValue(
      // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): GDCM takes char*
      reinterpret_cast<const char*>(state.native_pixels.data()),
      static_cast<std::uint32_t>(state.native_pixels.size()));
  return pixels;
}

// One fragment per frame; the Basic Offset Table gives each frame's first byte, counted
// from the first fragment's item tag (PS3.5 A.4).
gdcm::DataElement encapsulated_pixel_data(const instance::impl& state) {
  gdcm::SmartPointer<gdcm::SequenceOfFragments> sequence = new gdcm::SequenceOfFragments;
  std::vector<std::uint32_t> offsets;
  std::uint32_t offset = 0;
  for (const auto& fragment : state.fragments) {
    offsets.push_back(offset);
    gdcm::Fragment item;
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): GDCM takes char*
    item.SetByteValue(reinterpret_cast<const char*>(fragment.data()),
                      static_cast<std::uint32_t>(fragment.size()));  // padded to even by GDCM
    sequence->AddFragment(item);
    offset += 8 + static_cast<std::uint32_t>((fragment.size() + 1) / 2 * 2);
  }
  if (state.fragments.size() > 1) {
    std::vector<char> table(offsets.size() * 4);
    std::memcpy(table.data(), offsets.data(), table.size());
    sequence->GetTable().SetByteValue(table.data(), static_cast<std::uint32_t>(table.size()));
  }
  gdcm::DataElement pixels(pixel_data_tag);
  pixels.SetValue(*sequence);
  pixels.SetVLToUndefined();  // GDCM asserts unless this comes before the VR is set
  pixels.SetVR(gdcm::VR::OB);
  return pixels;
}

// GDCM 3.0 predates HTJ2K: it would refuse to write the file meta of a syntax it does not
// know. Such a syntax is encoded as GDCM's JPEG 2000 twin (explicit VR little endian,
// encapsulated), and the file meta names the real one. Returns whether the meta is filled.
bool prepare_file_meta(instance::impl& state) {
  gdcm::FileMetaInformation& header = state.file->GetHeader();
  const auto known = gdcm::TransferSyntax::GetTSType(state.transfer_syntax_uid.c_str());
  header.Clear();  // regenerated from the dataset: a transcoded file's old meta must not survive
  if (known != gdcm::TransferSyntax::TS_END) {
    header.SetDataSetTransferSyntax(known);
    return false;
  }
  header.SetDataSetTransferSyntax(gdcm::TransferSyntax::JPEG2000Lossless);
  header.FillFromDataSet(state.file->GetDataSet());
  std::string uid = state.transfer_syntax_uid;
  if (uid.size() % 2 != 0) uid.push_back('\0');
  gdcm::DataElement syntax(gdcm::Tag(0x0002, 0x0010));
  syntax.SetVR(gdcm::VR::UI);
  syntax.SetByteValue(uid.data(), static_cast<std::uint32_t>(uid.size()));
  header.Replace(syntax);
  // Group length: every element after (0002,0000).
  std::uint32_t length = 0;
  for (const gdcm::DataElement& element : header.GetDES()) {
    if (element.GetTag() != gdcm::Tag(0x0002, 0x0000)) length += element.GetLength<gdcm::ExplicitDataElement>();
  }
  gdcm::DataElement group_length(gdcm::Tag(0x0002, 0x0000));
  group_length.SetVR(gdcm::VR::UL);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): GDCM takes char*
  group_length.SetByteValue(reinterpret_cast<const char*>(&length), 4);
  header.Replace(group_length);
  return true;
}

}  // namespace

instance::instance(std::unique_ptr<impl> state) : impl_(std::move(state)) {}
instance::instance(instance&&) noexcept = default;
instance& instance::operator=(instance&&) noexcept = default;
instance::~instance() = default;

const std::string& instance::sop_class_uid() const { return impl_->sop_class_uid; }
const std::string& instance::sop_instance_uid() const { return impl_->sop_instance_uid; }
const std::string& instance::transfer_syntax_uid() const { return impl_->transfer_syntax_uid; }
const codecs::frame_info& instance::frame() const { return impl_->frame; }
std::uint32_t instance::frame_count() const { return impl_->frame_count; }
bool instance::has_pixels() const { return impl_->has_pixels; }
const std::vector<std::string>& instance::notes() const { return impl_->notes; }

std::span<const std::byte> instance::native_pixels() const { return impl_->native_pixels; }

std::string instance::study_instance_uid() const { return get_text(impl_->file->GetDataSet(), {0x0020, 0x000D}); }
std::string instance::series_instance_uid() const { return get_text(impl_->file->GetDataSet(), {0x0020, 0x000E}); }

std::uint64_t instance::native_pixel_data_bytes() const {
  return impl_->has_pixels ? std::uint64_t{impl_->frame.bytes()} * impl_->frame_count : 0;
}

std::uint64_t instance::pixel_data_bytes() const {
  if (impl_->fragments.empty()) return impl_->native_pixels.size();
  std::uint64_t total = 0;
  for (const auto& fragment : impl_->fragments) total += fragment.size();
  return total;
}

void instance::set_sop_instance_uid(std::string uid) {
  set_text(impl_->file->GetDataSet(), {0x0008, 0x0018}, "UI", uid);
  impl_->sop_instance_uid = std::move(uid);
}

namespace {

// The file meta names dcmflow as the writer (GDCM would name itself): Implementation Class
// UID derived under 2.25 from "dcmflow implementation", version name DCMFLOW_<version>.
void name_the_implementation() {
  static std::once_flag once;
  std::call_once(once, [] {
    static const std::string uid = derived_uid("2.25", "dcmflow", {"implementation-class"});
    gdcm::FileMetaInformation::SetImplementationClassUID(uid.c_str());
    gdcm::FileMetaInformation::SetImplementationVersionName("DCMFLOW_" DCMFLOW_VERSION);
    gdcm::FileMetaInformation::SetSourceApplicationEntityTitle("DCMFLOW");
  });
}

// Part 10 into `stream`: Pixel Data is lent to GDCM only for the write, so the pixels stay
// ours (and are not copied into the dataset between stages).
void put16(std::ostream& out, std::uint16_t value) {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
  out.write(reinterpret_cast<const char*>(&value), 2);
}
void put32(std::ostream& out, std::uint32_t value) {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
  out.write(reinterpret_cast<const char*>(&value), 4);
}

void put_bytes(std::ostream& out, std::span<const std::byte> bytes) {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (bytes.size() % 2 != 0) out.put('\0');  // values are even (PS3.5 7.1.1)
}

void put_item(std::ostream& out, std::span<const std::byte> bytes) {
  put16(out, 0xFFFE);
  put16(out, 0xE000);
  put32(out, static_cast<std::uint32_t>((bytes.size() + 1) / 2 * 2));
  put_bytes(out, bytes);
}

// Pixel Data, explicit VR little endian, straight from our buffers: handing them to GDCM
// would copy every frame once more (tens of megabytes per document).
void put_pixel_data(const instance::impl& state, std::ostream& out) {
  put16(out, 0x7FE0);
  put16(out, 0x0010);
  if (state.encoding != codecs::pixel_encoding::encapsulated) {
    out.write(state.frame.bits_allocated > 8 ? "OW" : "OB", 2);
    put16(out, 0);
    put32(out, static_cast<std::uint32_t>((state.native_pixels.size() + 1) / 2 * 2));
    put_bytes(out, state.native_pixels);
    return;
  }
  out.write("OB", 2);
  put16(out, 0);
  put32(out, 0xFFFFFFFF);
  // Basic Offset Table: each frame's first byte, from the first fragment's item tag (A.4).
  std::vector<std::uint32_t> offsets;
  std::uint32_t offset = 0;
  for (const auto& fragment : state.fragments) {
    offsets.push_back(offset);
    offset += 8 + static_cast<std::uint32_t>((fragment.size() + 1) / 2 * 2);
  }
  if (state.fragments.size() > 1) {
    put_item(out, std::as_bytes(std::span(offsets)));
  } else {
    put_item(out, {});
  }
  for (const auto& fragment : state.fragments) put_item(out, fragment);
  put16(out, 0xFFFE);
  put16(out, 0xE0DD);
  put32(out, 0);
}

// Part 10 into `stream`. Pixel Data is written by us after GDCM has written the rest, when
// it is the dataset's last element and the dataset is not deflated; otherwise lent to GDCM
// for the write. Either way the pixels stay ours between stages.
bool write_part10(instance::impl& state, std::ostream& stream) {
  name_the_implementation();
  gdcm::DataSet& dataset = state.file->GetDataSet();
  const bool last = dataset.GetDES().empty() || dataset.GetDES().rbegin()->GetTag() < pixel_data_tag;
  const bool ours = state.has_pixels && last && state.encoding != codecs::pixel_encoding::deflated;
  if (state.has_pixels && !ours) {
    dataset.Replace(state.encoding == codecs::pixel_encoding::encapsulated ? encapsulated_pixel_data(state)
                                                                           : native_pixel_data(state));
  }
  const bool meta_ready = prepare_file_meta(state);
  gdcm::Writer writer;
  writer.SetStream(stream);
  writer.SetFile(*state.file);
  writer.SetCheckFileMetaInformation(!meta_ready);  // else GDCM fills group 0002 itself
  bool written = writer.Write();
  if (written && ours) put_pixel_data(state, stream);
  written = written && stream.flush();
  if (state.has_pixels && !ours) dataset.Remove(pixel_data_tag);
  return written;
}

const char* photometric_name(codecs::photometric value) {
  switch (value) {
    case codecs::photometric::monochrome1: return "MONOCHROME1";
    case codecs::photometric::monochrome2: return "MONOCHROME2";
    case codecs::photometric::palette_color: return "PALETTE COLOR";
    case codecs::photometric::rgb: return "RGB";
  }
  return "MONOCHROME2";
}

}  // namespace

result<std::string> instance::to_part10() {
  std::ostringstream stream(std::ios::binary);
  if (!write_part10(*impl_, stream)) return failure{"cannot encode the object as a Part 10 file"};
  return std::move(stream).str();
}

result<void> instance::decompress() {
  impl& state = *impl_;
  if (state.encoding == codecs::pixel_encoding::native) return {};
  if (state.encoding == codecs::pixel_encoding::encapsulated) {
    std::error_code unavailable;
    const auto decoder = codecs::make_decoder(state.transfer_syntax_uid, unavailable);
    if (!decoder) return failure{"cannot decode " + state.transfer_syntax_uid + ": " + unavailable.message()};
    const std::size_t frame_bytes = state.frame.bytes();
    std::vector<std::byte> pixels(frame_bytes * state.frame_count);
    for (std::uint32_t index = 0; index < state.frame_count; ++index) {
      const auto frame = std::span(pixels).subspan(index * frame_bytes, frame_bytes);
      if (const std::error_code error = decoder->decode(state.fragments[index], state.frame, frame)) {
        return failure{"cannot decompress frame " + std::to_string(index + 1) + ": " + error.message()};
      }
    }
    // The codec may have described the pixels its own way (YBR_RCT...): decoded, they are
    // what they were before compression.
    gdcm::DataSet& dataset = state.file->GetDataSet();
    set_text(dataset, {0x0028, 0x0004}, "CS", photometric_name(state.frame.photometric));
    if (state.frame.samples_per_pixel > 1)
      set_us(dataset, {0x0028, 0x0006}, static_cast<std::uint16_t>(state.frame.planar));
    state.native_pixels = std::move(pixels);
    state.fragments.clear();
  }
  state.encoding = codecs::pixel_encoding::native;
  state.transfer_syntax_uid = std::string(explicit_vr_little_endian);
  return {};
}

result<void> instance::write_file(const std::filesystem::path& path) {
  std::filesystem::path partial = path;
  partial += ".part";
  bool written = false;
  errno = 0;
  {
    std::ofstream stream(partial, std::ios::binary | std::ios::trunc);
    written = stream && write_part10(*impl_, stream);
    stream.close();  // a full disk may only show when the last buffer goes out
    written = written && !stream.fail();
  }
  const int why = errno;  // before anything else can change it
  std::error_code error;
  if (!written) {
    std::filesystem::remove(partial, error);
    return failure{"cannot write " + path.string() + ": " +
                   (why != 0 ? std::strerror(why) : "the system gave no reason")};
  }
  std::filesystem::rename(partial, path, error);
  if (error) return failure{"cannot write " + path.string() + ": " + error.message()};
  return {};
}

}  // namespace dcmflow::dicom
