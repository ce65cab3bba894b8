// dcmflow: the command-line front. `store` and `echo` run here, in a program that links
// only what sending needs (DCMTK, libcurl, libarchive): it starts in 9 ms where the
// program with every pixel library takes 36 ms, which was most of the difference between
// storing a few hundred files with dcmflow and with storescu. Every other command line
// goes, unchanged, to dcmflow-all beside this program (through an exec, after this
// program's 9 ms: noise beside any command that makes pixels).

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <string_view>
#include <vector>

#include "cli/command_line.hpp"
#include "cli/decoder_plugin.hpp"
#include "cli/exit_codes.hpp"
#include "cli/store_command.hpp"
#include "core/program_location.hpp"

namespace {

// `dcmflow store ...` or `dcmflow echo ...`. The program's own options (--help, --version)
// come before a subcommand: those command lines go to dcmflow-all, which lists every command.
bool runs_here(int argc, char** argv) {
  if (argc < 2) return false;
  const std::string_view command = argv[1];
  return command == "store" || command == "echo";
}

int hand_over(char** argv) {
  auto all = dcmflow::beside_this_program("dcmflow-all");
  if (!all) {
    std::cerr << "dcmflow: " << all.error().message << '\n';
    return dcmflow::cli::exit_fatal;
  }
  execv(all->c_str(), argv);
  const int why = errno;  // before anything else can change it
  std::cerr << "dcmflow: cannot run " << all->string() << ": " << std::strerror(why) << '\n';
  return dcmflow::cli::exit_fatal;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace dcmflow::cli;
  if (!runs_here(argc, argv)) return hand_over(argv);
  keep_large_buffers_in_the_heap();
  read_names_as_utf8();
  keep_what_we_write_private();
  CLI::App app{"dcmflow: turns archives of reports and images into DICOM and loads them into a PACS",
               "dcmflow"};
  configure_app(app);
  const std::vector<std::function<int()>> commands = {add_store_command(app, decoder_plugin()),
                                                      add_echo_command(app)};
  return parse_and_run(app, argc, argv, commands);
}
