#pragma once
// One DICOM object in memory: its dataset (held by GDCM, opaque here so that only dicom/
// sees GDCM) and its pixels, kept apart until the object is written, so that compression
// is a stage of its own: build -> compress -> write.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <dcmflow/codecs/codec.hpp>
#include <dcmflow/codecs/frame_info.hpp>

#include "core/result.hpp"
#include "dicom/character_set.hpp"

namespace dcmflow::dicom {

inline constexpr std::string_view explicit_vr_little_endian = "1.2.840.10008.1.2.1";

struct instance_parts;

class instance {
 public:
  struct impl;
  explicit instance(std::unique_ptr<impl> state);
  instance(instance&&) noexcept;
  instance& operator=(instance&&) noexcept;
  ~instance();

  [[nodiscard]] const std::string& sop_class_uid() const;
  [[nodiscard]] const std::string& sop_instance_uid() const;
  [[nodiscard]] const std::string& transfer_syntax_uid() const;
  [[nodiscard]] const codecs::frame_info& frame() const;
  [[nodiscard]] std::uint32_t frame_count() const;
  [[nodiscard]] bool has_pixels() const;  // false for reports, waveforms...
  // What reading changed that the user should know ("Icon Image Sequence dropped: ...").
  [[nodiscard]] const std::vector<std::string>& notes() const;
  [[nodiscard]] std::string study_instance_uid() const;
  [[nodiscard]] std::string series_instance_uid() const;
  // Pixel Data as it would be written now (fragments once compressed), and uncompressed.
  [[nodiscard]] std::uint64_t pixel_data_bytes() const;
  [[nodiscard]] std::uint64_t native_pixel_data_bytes() const;

  // The uncompressed frames, one after the other; empty once compressed.
  [[nodiscard]] std::span<const std::byte> native_pixels() const;

  // Every text value re-encoded into `target` (and Specific Character Set set to match),
  // decoded from the file's own Specific Character Set -- or from `assumed` ("GB18030",
  // "ISO_IR 100"...), to repair files whose declared set is missing or wrong.
  [[nodiscard]] result<void> recode_text(character_set target, const std::string& assumed);

  // A new identity, in the dataset and the file meta alike.
  void set_sop_instance_uid(std::string uid);

  // Encodes every frame with `codec` (one fragment per frame, Basic Offset Table filled)
  // and adopts what the codec reports: transfer syntax, Photometric Interpretation,
  // Planar Configuration, Lossy Image Compression and its ratio and method (PS3.5 8.2).
  [[nodiscard]] result<void> compress(const codecs::encoder& codec);

  // Back to native pixels in Explicit VR Little Endian (for a peer that refuses the
  // compressed syntax); the lossy history stays as it is.
  [[nodiscard]] result<void> decompress();

  // The Part 10 file, in memory (what destinations write and send): the bytes the stream
  // made, moved out, not copied.
  [[nodiscard]] result<std::string> to_part10();

  // Part 10 file; written beside the target and renamed, so a crash never leaves half a file.
  [[nodiscard]] result<void> write_file(const std::filesystem::path& path);

 private:
  friend result<instance_parts> take_apart(instance&& object);  // dicom/instance_parts.hpp
  std::unique_ptr<impl> impl_;
};

}  // namespace dcmflow::dicom
