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
#include "cli/command_table.hpp"
#include "cli/decoder_plugin.hpp"
#include "cli/exit_codes.hpp"
#include "cli/store_command.hpp"
#include "core/process_runtime.hpp"
#include "core/program_location.hpp"

namespace {

using dcmflow::cli::command_entry;
using dcmflow::cli::find_command;
using dcmflow::cli::program;

// `dcmflow store ...` or `dcmflow echo ...` (command_table.hpp). The program's own options
// (--help, --version) come before a command: those go to dcmflow-all, which lists every command.
bool runs_here(int argc, char** argv) {
  if (argc < 2) return false;
  const command_entry* command = find_command(argv[1]);
  return command != nullptr && command->runs_in == program::front;
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

int run_here(int argc, char** argv) {
  using namespace dcmflow::cli;
  CLI::App app;
  configure_app(app);
  const std::vector<std::function<int()>> commands = {add_store_command(app, decoder_plugin()), add_echo_command(app)};
  return parse_and_run(app, argc, argv, commands);
}

}  // namespace

int main(int argc, char** argv) {
  return dcmflow::cli::run_guarded([&] {
    if (!runs_here(argc, argv)) return hand_over(argv);
    dcmflow::set_up_process_runtime();
    return run_here(argc, argv);
  });
}
