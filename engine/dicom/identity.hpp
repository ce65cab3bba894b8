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
#include <span>
#include <string>
#include <string_view>

#include "dicom/attribute.hpp"

namespace dcmflow::dicom {

struct uid_scheme {
  std::string root = "2.25";
  std::string name_space = "dcmflow";
};

struct source_identity {
  std::string_view input_key;       // the item's name in its run: "pages/a.png", "x.zip!in/b.docx"
  std::string_view content_sha256;  // of the input's bytes
  std::span<const attribute_assignment> attributes;  // as resolved: the manifest's, then the job's (last wins)
  std::string_view rendering;       // what shapes the pixels, e.g. "per_page=0 dpi=200 colour=0"
                                    // (and frames_per_instance=N when the source has more pages)
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

}  // namespace dcmflow::dicom
