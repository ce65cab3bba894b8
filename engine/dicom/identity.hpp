#pragma once
// The UIDs of the objects an input becomes, derived (not random) so that converting the
// same input again gives the same objects and re-sending them is idempotent at the PACS;
// and built from everything that makes an object that object, so that two inputs of
// different patients, studies or manifest rows never share one. The rule (README, "Identity"):
// - an object (SOP Instance, and its series) is this input -- its key in the job, its
//   content's SHA-256 -- with these attributes (every one the manifest row and the job set,
//   as resolved), rendered this way (resolution, colour, pages as frames or instances);
//   a change to any of them is another object;
// - a study is a patient (PatientID, IssuerOfPatientID, PatientName, PatientBirthDate) and an
//   AccessionNumber, or without one that patient's StudyDate and StudyDescription; an input
//   without a PatientID is a study of its own.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "dicom/attribute.hpp"

namespace dcmflow::dicom {

struct uid_scheme {
  std::string root = "2.25";
  std::string name_space = "dcmflow";
};

// What shapes an input's pixels besides its bytes. Part of its objects' identity: its text
// is hashed, so it must never change for the same settings.
struct rendering_recipe {
  bool per_page = false;                  // pages as instances, not frames
  std::uint32_t frames_per_instance = 0;  // where a long source is cut; 0: not cut (fits in one)
  std::string_view lossy_codec{};         // the --codec spec of a lossy codec; empty: lossless
  bool document = false;                  // rendered (PDF, Office): dpi and colour shape it
  double dpi = 0;
  int colour = 0;  // raster::colour_mode as a number

  // "per_page=0 frames_per_instance=2 lossy=j2k:10 dpi=200.000000 colour=0"
  [[nodiscard]] std::string text() const;
};

struct source_identity {
  std::string_view input_key;                        // the item's name in its run: "pages/a.png", "x.zip!in/b.docx"
  std::string_view content_sha256;                   // of the input's bytes
  std::span<const attribute_assignment> attributes;  // as resolved: the manifest's, then the job's (last wins)
  rendering_recipe rendering;
};

class derived_uids {
 public:
  derived_uids(const source_identity& source, uid_scheme scheme);

  [[nodiscard]] const std::string& study() const { return study_; }
  [[nodiscard]] std::string series() const;
  [[nodiscard]] std::string instance(std::size_t index) const;  // the page's, or the instance's, from 0
  [[nodiscard]] std::string pdf_series() const;                 // the Encapsulated PDF beside the pages
  [[nodiscard]] std::string pdf_instance() const;

 private:
  uid_scheme scheme_;
  std::string object_;  // hex digest of everything that makes the object
  std::string study_;
};

// Lossy compression makes a new image (PS3.3 C.7.6.1.1.5): its new SOP Instance UID, derived
// so that transcoding the same object the same way twice gives the same one.
[[nodiscard]] std::string lossy_successor_uid(const uid_scheme& scheme, std::string_view original_uid,
                                              std::string_view transfer_syntax_uid);

}  // namespace dcmflow::dicom
