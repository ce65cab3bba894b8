#include "dicom/instance_parts.hpp"

#include <gdcmReader.h>
#include <gdcmSequenceOfItems.h>

#include <sstream>

#include "dicom/element.hpp"
#include "dicom/instance_impl.hpp"

namespace dcmflow::dicom {
namespace {

// Deeper than `limit` levels of sequences? Counted without recursing past the limit.
bool nested_deeper_than(const gdcm::DataSet& dataset, int limit) {
  if (limit < 0) return true;
  for (const gdcm::DataElement& element : dataset.GetDES()) {
    if (element.IsEmpty()) continue;
    const auto* items = dynamic_cast<const gdcm::SequenceOfItems*>(&element.GetValue());
    if (items == nullptr) continue;
    for (gdcm::SequenceOfItems::SizeType index = 1; index <= items->GetNumberOfItems(); ++index) {
      if (nested_deeper_than(items->GetItem(index).GetNestedDataSet(), limit - 1)) return true;
    }
  }
  return false;
}

}  // namespace

result<instance_parts> take_apart(instance&& object) {
  instance::impl& state = *object.impl_;
  // Read back by the engine's own threads, whose stacks are smaller than a helper's.
  if (nested_deeper_than(state.file->GetDataSet(), max_sequence_depth)) {
    return failure{"sequences nested more than " + std::to_string(max_sequence_depth) + " deep"};
  }
  if (state.encoding != codecs::pixel_encoding::native) return failure{"only native pixels are taken apart"};
  instance_parts parts;
  parts.has_pixels = state.has_pixels;
  // Written without its pixels: they travel apart, uncopied.
  state.has_pixels = false;
  auto dataset = object.to_part10();
  state.has_pixels = parts.has_pixels;
  if (!dataset) return dataset.error();
  parts.dataset = std::move(dataset).value();
  parts.frame = state.frame;
  parts.frame_count = state.frame_count;
  parts.native_pixels = std::move(state.native_pixels);
  parts.notes = std::move(state.notes);
  return parts;
}

result<instance> put_together(instance_parts&& parts) {
  std::istringstream stream(std::move(parts.dataset), std::ios::binary);
  gdcm::Reader reader;
  reader.SetStream(stream);
  if (!reader.Read()) return failure{"cannot read back the decoded object's attributes"};
  auto state = std::make_unique<instance::impl>();
  state->file = new gdcm::File(reader.GetFile());
  const gdcm::DataSet& dataset = state->file->GetDataSet();
  state->sop_class_uid = get_text(dataset, {0x0008, 0x0016});
  state->sop_instance_uid = get_text(dataset, {0x0008, 0x0018});
  state->has_pixels = parts.has_pixels;
  state->frame = parts.frame;
  state->frame_count = parts.frame_count;
  if (parts.has_pixels && parts.native_pixels.size() != parts.frame.bytes() * std::uint64_t{parts.frame_count}) {
    return failure{"the decoded object's pixels do not match its geometry"};
  }
  state->native_pixels = std::move(parts.native_pixels);
  state->notes = std::move(parts.notes);
  return instance(std::move(state));
}

}  // namespace dcmflow::dicom
