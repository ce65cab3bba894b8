#pragma once
// An Office document looked at before LibreOffice sees it, for what LibreOffice must never
// be given:
// - a package (.docx, .odt) whose parts inflate beyond a budget: a few kilobytes of zip can
//   hold gigabytes of XML, which LibreOffice would parse into several times that in memory;
// - content loaded from outside the document when it is rendered: a picture, OLE object,
//   frame or text linked by URL or path (INCLUDEPICTURE, an external image relationship,
//   <img src="file:///...">). Rendered, such a link puts a file of this host, or whatever a
//   URL serves, into what is sent to the PACS; not rendered, the page lacks what its author
//   saw. Either way the document cannot be converted faithfully: it fails, saying what kind
//   of link it holds (never its target, which may name a patient). Hyperlinks and Word's
//   attached template are not rendered and do not count.
// Runs in a decode helper (isolate/), like every other parse of outside bytes.

#include <cstdint>
#include <filesystem>

#include "core/result.hpp"

namespace dcmflow::office {

struct document_limits {
  // Every part of a package, inflated. Real reports with photographs stay well under.
  std::uint64_t max_expanded_bytes = 1ULL << 30;
  // The XML among them: a 1,000-page Word document's text is some tens of megabytes.
  std::uint64_t max_xml_bytes = 256ULL << 20;
};

[[nodiscard]] result<void> inspect_document(const std::filesystem::path& file, const document_limits& limits = {});

}  // namespace dcmflow::office
