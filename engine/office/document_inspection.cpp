#include "office/document_inspection.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace dcmflow::office {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string mib(std::uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

// Word field codes that load a file or URL when the document is laid out: INCLUDETEXT, and
// INCLUDEPICTURE with \d (the picture is not stored in the document; without \d it is, and
// that stored picture is what is shown -- Word does so for everything pasted from a browser
// or Outlook). The switch is looked for in the instruction's next few hundred characters,
// markup and all (an instruction may be split over runs).
std::optional<std::string> linking_field(std::string_view text) {
  if (text.find("INCLUDETEXT") != std::string_view::npos) return "an INCLUDETEXT field";
  for (std::size_t at = text.find("INCLUDEPICTURE"); at != std::string_view::npos;
       at = text.find("INCLUDEPICTURE", at + 1)) {
    const std::string_view instruction = text.substr(at, 600);
    for (std::size_t d = instruction.find("\\d"); d != std::string_view::npos; d = instruction.find("\\d", d + 1)) {
      const bool ends =
          d + 2 >= instruction.size() || std::isalnum(static_cast<unsigned char>(instruction[d + 2])) == 0;
      if (ends) return "an INCLUDEPICTURE field whose picture is not stored (\\d)";
    }
  }
  return std::nullopt;
}

// The same in UTF-16LE, as a binary .doc stores most text: its zero bytes dropped.
std::optional<std::string> linking_field_utf16(std::string_view bytes) {
  std::string narrow;
  narrow.reserve(bytes.size() / 2);
  for (std::size_t at = 0; at + 1 < bytes.size(); at += 2) {
    if (bytes[at + 1] == '\0') narrow += bytes[at];
  }
  return linking_field(narrow);
}

// Every `attribute`="value" in `text`, with the name of the element that holds it: a linear
// scan (documents are large, and a backtracking regex recurses per character).
template <class Visit>
void for_each_attribute(const std::string& text, std::string_view attribute, Visit&& visit) {
  const std::string needle = std::string(attribute) + "=";
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) {
    if (at > 0 && (std::isalnum(static_cast<unsigned char>(text[at - 1])) != 0 || text[at - 1] == '-')) continue;
    const std::size_t open = text.rfind('<', at);
    if (open == std::string::npos || text.find('>', open) < at) continue;  // not inside a tag
    const std::size_t name_end = text.find_first_of(" \t\r\n/>", open + 1);
    const std::string element = text.substr(open + 1, name_end - open - 1);
    std::size_t value = at + needle.size();
    while (value < text.size() && std::isspace(static_cast<unsigned char>(text[value])) != 0) ++value;
    std::string target;
    if (value < text.size() && (text[value] == '"' || text[value] == '\'')) {
      const std::size_t close = text.find(text[value], value + 1);
      target = text.substr(value + 1, close == std::string::npos ? std::string::npos : close - value - 1);
    } else {
      target = text.substr(value, text.find_first_of(" \t\r\n>", value) - value);
    }
    const std::size_t tag_end = text.find('>', at);
    if (visit(element, target,
              std::string_view(text).substr(open, tag_end == std::string::npos ? 0 : tag_end - open))) {
      return;
    }
  }
}

// An OOXML relationship part: relationships that LibreOffice would follow to render the
// document (pictures, OLE objects, sub-documents, frames, media) with TargetMode="External".
std::optional<std::string> external_relationship(const std::string& rels) {
  static constexpr std::array<std::string_view, 12> rendered = {
      "image", "oleObject", "package", "subDocument",      "frame",      "audio", "video",
      "media", "chart",     "font",    "externalLinkPath", "diagramData"};
  std::optional<std::string> found;
  for_each_attribute(rels, "Type", [&](const std::string& element, const std::string& type, std::string_view tag) {
    if (element != "Relationship" || tag.find("TargetMode=\"External\"") == std::string_view::npos) return false;
    const std::string kind = type.substr(type.rfind('/') + 1);
    if (std::find(rendered.begin(), rendered.end(), kind) == rendered.end()) return false;
    found = "an external " + kind + " relationship";
    return true;
  });
  return found;
}

// An OpenDocument part: an image, object, frame or section whose xlink:href leaves the package.
std::optional<std::string> external_odf_reference(const std::string& xml) {
  static constexpr std::array<std::string_view, 9> loaded = {
      "draw:image",          "draw:object",     "draw:object-ole",        "draw:plugin",        "draw:applet",
      "draw:floating-frame", "draw:fill-image", "style:background-image", "text:section-source"};
  std::optional<std::string> found;
  for_each_attribute(xml, "xlink:href", [&](const std::string& element, const std::string& target, std::string_view) {
    if (std::find(loaded.begin(), loaded.end(), element) == loaded.end()) return false;
    const bool inside =
        target.starts_with("Pictures/") || target.starts_with("./") || target.starts_with("#") ||
        (target.find(':') == std::string::npos && !target.starts_with("/") && !target.starts_with("../"));
    if (inside) return false;
    found = "a linked " + element;
    return true;
  });
  return found;
}

// HTML: whatever a browser would fetch to show the page. Only data: URLs are the page's own.
std::optional<std::string> external_html_reference(const std::string& html) {
  const std::string text = lower(html);
  std::optional<std::string> found;
  for (const std::string_view attribute : {"src", "data", "poster", "background", "href"}) {
    for_each_attribute(
        text, attribute, [&](const std::string& element, const std::string& target, std::string_view tag) {
          if (target.empty() || target.starts_with("data:") || target.starts_with("#")) return false;
          if (element == "script") return false;  // LibreOffice runs no script
          if (attribute == "href" && !(element == "link" && tag.find("stylesheet") != std::string_view::npos)) {
            return false;  // a hyperlink, not loaded
          }
          found = "a linked <" + element + ">";
          return true;
        });
    if (found) return found;
  }
  // Stylesheets: <style> blocks and style="" attributes, not the text of the page.
  std::string styles;
  for (std::size_t open = text.find("<style"); open != std::string::npos; open = text.find("<style", open + 6)) {
    const std::size_t close = text.find("</style", open);
    styles += text.substr(open, close == std::string::npos ? std::string::npos : close - open);
    styles += '\n';
  }
  for_each_attribute(text, "style", [&](const std::string&, const std::string& value, std::string_view) {
    styles += value + '\n';
    return false;
  });
  for (std::size_t at = styles.find("url("); at != std::string::npos; at = styles.find("url(", at + 4)) {
    std::size_t value = at + 4;
    while (value < styles.size() && (styles[value] == ' ' || styles[value] == '"' || styles[value] == '\'')) ++value;
    if (styles.compare(value, 5, "data:") != 0) return "a stylesheet url()";
  }
  if (styles.find("@import") != std::string::npos) return "a stylesheet @import";
  return std::nullopt;
}

// RTF: field instructions, and objects linked instead of embedded.
std::optional<std::string> external_rtf_reference(const std::string& rtf) {
  if (auto field = linking_field(rtf)) return field;
  if (rtf.find("\\objautlink") != std::string::npos || rtf.find("\\objlink") != std::string::npos) {
    return "a linked object";
  }
  return std::nullopt;
}

struct archive_free {
  void operator()(archive* handle) const { archive_read_free(handle); }
};

bool is_xml_part(std::string_view name) {
  return name.ends_with(".xml") || name.ends_with(".rels") || name.ends_with(".xhtml");
}

// A zip package (OOXML, OpenDocument): every part inflated against the budgets, its XML read
// for links.
result<void> inspect_package(const std::filesystem::path& file, const document_limits& limits) {
  std::unique_ptr<archive, archive_free> handle(archive_read_new());
  archive_read_support_format_zip(handle.get());
  if (archive_read_open_filename(handle.get(), file.c_str(), 1 << 16) != ARCHIVE_OK) {
    return failure{"cannot read the document's package: " + std::string(archive_error_string(handle.get()))};
  }
  std::uint64_t expanded = 0;
  std::uint64_t xml = 0;
  archive_entry* entry = nullptr;
  std::array<char, 1 << 16> block{};
  while (true) {
    const int status = archive_read_next_header(handle.get(), &entry);
    if (status == ARCHIVE_EOF) break;
    if (status < ARCHIVE_WARN) {
      return failure{"cannot read the document's package: " + std::string(archive_error_string(handle.get()))};
    }
    const char* raw_name = archive_entry_pathname(entry);
    const std::string name = raw_name != nullptr ? raw_name : "";
    const bool scanned = is_xml_part(name);
    std::string part;
    while (true) {
      const la_ssize_t n = archive_read_data(handle.get(), block.data(), block.size());
      if (n < 0) return failure{"cannot read the document's package: a damaged part"};
      if (n == 0) break;
      expanded += static_cast<std::uint64_t>(n);
      if (expanded > limits.max_expanded_bytes) {
        return failure{"the document inflates to more than " + mib(limits.max_expanded_bytes) +
                       " (a decompression bomb?); it is not given to LibreOffice"};
      }
      if (scanned) {
        xml += static_cast<std::uint64_t>(n);
        if (xml > limits.max_xml_bytes) {
          return failure{"the document's XML inflates to more than " + mib(limits.max_xml_bytes) +
                         "; it is not given to LibreOffice"};
        }
        part.append(block.data(), static_cast<std::size_t>(n));
      }
    }
    if (!scanned) continue;
    std::optional<std::string> link;
    if (name.ends_with(".rels")) {
      // A chart's link to its Excel data is not followed: the chart is drawn from the values
      // cached in the document (Word's default paste links them).
      if (name.find("charts/_rels/") == std::string::npos) link = external_relationship(part);
    } else if (name.starts_with("word/")) {
      link = linking_field(part);
    } else if (name == "content.xml" || name == "styles.xml") {
      link = external_odf_reference(part);
    }
    if (link) {
      return failure{"the document links to content outside itself (" + *link +
                     "), which is never loaded: it cannot be converted faithfully"};
    }
  }
  return {};
}

}  // namespace

result<void> inspect_document(const std::filesystem::path& file, const document_limits& limits) {
  std::ifstream in(file, std::ios::binary);
  std::string head(8, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  if (head.starts_with("PK\x03\x04")) return inspect_package(file, limits);

  // Other documents are one stream, read whole: a binary .doc or an .rtf (pictures inside)
  // against the package budget, text (.html, .txt) against the XML one.
  std::error_code error;
  const auto size = std::filesystem::file_size(file, error);
  if (error) return failure{"cannot read: " + error.message()};
  const bool binary_or_rtf = head.starts_with("{\\rtf") || head.starts_with("\xD0\xCF\x11\xE0");
  const std::uint64_t budget = binary_or_rtf ? limits.max_expanded_bytes : limits.max_xml_bytes;
  if (size > budget) {
    return failure{"the document is larger than " + mib(budget) + "; it is not given to LibreOffice"};
  }
  std::string text(size, '\0');
  in.seekg(0);
  in.read(text.data(), static_cast<std::streamsize>(size));
  std::optional<std::string> link;
  const std::string extension = lower(file.extension().string());
  if (head.starts_with("{\\rtf")) {
    link = external_rtf_reference(text);
  } else if (head.starts_with("\xD0\xCF\x11\xE0")) {  // OLE2: a binary .doc
    link = linking_field(text);
    if (!link) link = linking_field_utf16(text);
  } else if (extension == ".html" || extension == ".htm") {
    link = external_html_reference(text);
  }
  if (link) {
    return failure{"the document links to content outside itself (" + *link +
                   "), which is never loaded: it cannot be converted faithfully"};
  }
  return {};
}

}  // namespace dcmflow::office
