// dcmflow-office-worker: one warm LibreOffice (through LibreOfficeKit) converting documents
// to PDF on request. dcmflow runs a pool of these, one LibreOffice each, because a
// LibreOfficeKit instance is one per process and not thread-safe, and because a document
// that hangs or crashes LibreOffice must take only its own worker down.
//
// Protocol, one line each way: "INPUT\tOUTPUT.pdf\n" -> "ok\n" or "error REASON\n".
// Argument: the user profile folder this worker owns (profiles cannot be shared).

#include <LibreOfficeKit/LibreOfficeKit.hxx>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

namespace {

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return text.empty() ? std::string("LibreOffice gave no reason") : text;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: dcmflow-office-worker PROFILE_DIR\n";
    return 2;
  }
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
