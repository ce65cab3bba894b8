#include "cli/codecs_command.hpp"

#include <dcmflow/codecs/registry.hpp>

#include <iomanip>
#include <iostream>
#include <string>

#include "cli/exit_codes.hpp"

namespace dcmflow::cli {
namespace {

// What keeps this build from writing or reading a syntax; empty when nothing does.
std::string missing(const codecs::transfer_syntax& syntax) {
  if (syntax.built()) return {};
  return "  (unsupported: built without " + std::string(codecs::backend_name(syntax.library)) + ")";
}

int list_codecs() {
  std::cout << std::left << std::setw(14) << "CODEC" << std::setw(26) << "TRANSFER SYNTAX UID" << std::setw(9)
            << "LOSSY" << std::setw(26) << "BITS STORED"
            << "PHOTOMETRIC\n";
  for (const auto& syntax : codecs::transfer_syntaxes()) {
    if (syntax.make_encoder == nullptr) continue;
    const std::string spelling = std::string(syntax.codec) + std::string(syntax.option.placeholder());
    std::cout << std::setw(14) << spelling << std::setw(26) << syntax.uid << std::setw(9)
              << (syntax.lossy ? "lossy" : "lossless") << std::setw(26) << syntax.bit_depths << syntax.photometric
              << missing(syntax) << '\n';
  }
  std::cout << "\nOptions:\n";
  for (const auto& syntax : codecs::transfer_syntaxes()) {
    if (syntax.option.takes_value()) std::cout << "  " << syntax.codec << syntax.option.help << '\n';
  }
  std::cout << "\nTransfer syntaxes of these codecs (each read and written, unless marked):\n";
  for (const auto& syntax : codecs::transfer_syntaxes()) {
    std::cout << "  " << std::setw(24) << syntax.uid << syntax.name
              << (syntax.make_encoder == nullptr ? "  (read only)" : "") << missing(syntax) << '\n';
  }
  return exit_ok;
}

}  // namespace

std::function<int()> add_codecs_command(CLI::App& app) {
  CLI::App* command = app.add_subcommand("codecs", "List the pixel codecs, their transfer syntaxes and limits");
  return [command] { return command->parsed() ? list_codecs() : -1; };
}

}  // namespace dcmflow::cli
