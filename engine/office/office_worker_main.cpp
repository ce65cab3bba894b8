// dcmflow-office-worker: one warm LibreOffice (through LibreOfficeKit) converting documents
// to PDF on request. dcmflow runs a pool of these, one LibreOffice each, because a
// LibreOfficeKit instance is one per process and not thread-safe, and because a document
// that hangs or crashes LibreOffice must take only its own worker down.
//
// Protocol, one line each way: "INPUT\tOUTPUT.pdf\n" -> "ok\n" or "error REASON\n".
// Arguments: the user profile folder this worker owns (profiles cannot be shared), and the
// process number of the dcmflow that started it (the worker ends with it).

#include <LibreOfficeKit/LibreOfficeKit.hxx>

#include <langinfo.h>
#include <unistd.h>

#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>

#include "core/helper_lifetime.hpp"

namespace {

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return text.empty() ? std::string("LibreOffice gave no reason") : text;
}

// Settings written into the profile's user settings before LibreOffice starts, kept across
// runs:
// - LibreOffice builds a sidebar (decks, panels, their toolbars) for every document it opens
//   in Writer, Calc, Impress and Draw, although nobody sees it here: hiding it takes 9% off
//   each conversion.
// - "Stealth mode" (BlockUntrustedRefererLinks): a document never loads what it links to
//   (pictures, OLE objects, frames by file:// or http:// URL), so no file of this host and
//   no URL can be rendered into what is sent to a PACS. dcmflow refuses such documents
//   before they get here (office/document_inspection.hpp); this is the second wall.
void write_profile_settings(const std::filesystem::path& profile) {
  const std::filesystem::path settings = profile / "user" / "registrymodifications.xcu";
  std::string text;
  if (std::ifstream in(settings); in) text.assign(std::istreambuf_iterator<char>(in), {});
  std::string items;
  for (const std::string module : {"swriter", "scalc", "simpress", "sdraw"}) {
    const std::string node = module + "/10336";  // 10336: the sidebar's child window
    if (text.find("\"" + node + "\"") != std::string::npos) continue;
    items += "<item oor:path=\"/org.openoffice.Office.Views/Windows\"><node oor:name=\"" + node +
             "\" oor:op=\"replace\"><prop oor:name=\"Visible\" oor:op=\"fuse\"><value>false</value>"
             "</prop></node></item>\n";
  }
  if (text.find("\"BlockUntrustedRefererLinks\"") == std::string::npos) {
    items +=
        "<item oor:path=\"/org.openoffice.Office.Common/Security/Scripting\"><prop "
        "oor:name=\"BlockUntrustedRefererLinks\" oor:op=\"fuse\"><value>true</value></prop></item>\n";
  }
  if (items.empty()) return;
  const auto end = text.rfind("</oor:items>");
  if (end == std::string::npos) {
    text =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<oor:items xmlns:oor=\"http://openoffice.org/2001/registry\" "
        "xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n" +
        items + "</oor:items>\n";
  } else {
    text.insert(end, items);
  }
  // Written aside and renamed over: a full disk leaves the old settings, never half a file.
  // A profile we cannot write still converts, with its sidebar (and LibreOffice's default
  // of loading links, which the document inspection has ruled out).
  std::error_code ignored;
  std::filesystem::create_directories(settings.parent_path(), ignored);
  const std::filesystem::path written = settings.string() + ".dcmflow";
  std::ofstream out(written, std::ios::trunc);
  out << text;
  out.close();
  if (out) std::filesystem::rename(written, settings, ignored);
  std::filesystem::remove(written, ignored);
}

// An absolute path as a file URL, every byte outside RFC 3986's unreserved set and '/'
// percent-encoded, so that '#', '%' or '?' in a name are not read as URL syntax.
std::string file_url(const std::string& path) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string url = "file://";
  for (const char c : path) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') || (byte >= '0' && byte <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~' || c == '/') {
      url += c;
    } else {
      url += '%';
      url += hex[byte >> 4];
      url += hex[byte & 0x0F];
    }
  }
  return url;
}

// LibreOffice turns file names into bytes in the locale's character set: under LANG=C (a
// bare machine, a container, cron) "报告.docx" cannot be named and fails as "type detection
// failed". File names here are UTF-8 whatever the caller's locale: C.UTF-8 is glibc's C
// locale with UTF-8 characters, so nothing else about LibreOffice changes.
void use_utf8_file_names() {
  std::setlocale(LC_ALL, "");
  if (std::string_view(nl_langinfo(CODESET)) != "UTF-8") {
    setenv("LC_ALL", "C.UTF-8", 1);
    std::setlocale(LC_ALL, "");
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: dcmflow-office-worker PROFILE_DIR PARENT_PID\n";
    return 2;
  }
  // Dies with dcmflow, however dcmflow ends: an orphaned LibreOffice would keep its profile
  // locked and its memory. Already orphaned: nothing to do.
  if (!dcmflow::live_and_die_with(static_cast<pid_t>(std::strtol(argv[2], nullptr, 10)))) return 1;
  use_utf8_file_names();
  write_profile_settings(argv[1]);
  const std::string profile = file_url(std::filesystem::absolute(argv[1]).string());
  std::unique_ptr<lok::Office> office(lok::lok_cpp_init(DCMFLOW_LIBREOFFICE_PROGRAM, profile.c_str()));
  if (!office) {
    std::cout << "error cannot start LibreOffice from " DCMFLOW_LIBREOFFICE_PROGRAM << std::endl;
    return 1;
  }
  std::cout << "ready" << std::endl;
  for (std::string request; std::getline(std::cin, request);) {
    const auto tab = request.find('\t');
    if (tab == std::string::npos) {
      std::cout << "error malformed request" << std::endl;
      continue;
    }
    const std::string input = file_url(std::filesystem::absolute(request.substr(0, tab)).string());
    const std::string output = file_url(std::filesystem::absolute(request.substr(tab + 1)).string());
    std::unique_ptr<lok::Document> document(office->documentLoad(input.c_str()));
    if (!document) {
      char* error = office->getError();
      std::cout << "error cannot open the document: " << one_line(error != nullptr ? error : "") << std::endl;
      continue;
    }
    if (!document->saveAs(output.c_str(), "pdf")) {
      char* error = office->getError();
      std::cout << "error cannot export PDF: " << one_line(error != nullptr ? error : "") << std::endl;
      continue;
    }
    std::cout << "ok" << std::endl;
  }
  return 0;
}
