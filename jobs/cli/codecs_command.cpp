#include "cli/codecs_command.hpp"

#include <dcmflow/codecs/registry.hpp>

#include <iomanip>
#include <iostream>
#include <string>

#include "cli/exit_codes.hpp"

namespace dcmflow::cli {
namespace {

int list_codecs() {
  std::cout << std::left << std::setw(14) << "CODEC" << std::setw(26) << "TRANSFER SYNTAX UID" << std::setw(9)
            << "LOSSY" << std::setw(26) << "BITS STORED" << "PHOTOMETRIC\n";
  for (const auto& codec : codecs::all_codecs()) {
    std::string name(codec.name);
    if (!codec.options.empty()) name += codec.options.substr(0, codec.options.find(' '));
    std::cout << std::setw(14) << name << std::setw(26) << codec.transfer_syntax_uid << std::setw(9)
              << (codec.lossy ? "lossy" : "lossless") << std::setw(26) << codec.bit_depths << codec.photometric
              << '\n';
  }
  std::cout << "\nOptions:\n";
  for (const auto& codec : codecs::all_codecs()) {
    if (!codec.options.empty()) std::cout << "  " << codec.name << codec.options << '\n';
  }
  std::cout << "\nTransfer syntaxes:\n";
  for (const auto& codec : codecs::all_codecs()) {
    std::cout << "  " << std::setw(24) << codec.transfer_syntax_uid << codec.transfer_syntax_name << '\n';
  }
  return exit_ok;
}

}  // namespace

std::function<int()> add_codecs_command(CLI::App& app) {
  CLI::App* command = app.add_subcommand("codecs", "List the pixel codecs, their transfer syntaxes and limits");
  return [command] { return command->parsed() ? list_codecs() : -1; };
}

}  // namespace dcmflow::cli
