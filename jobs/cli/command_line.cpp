#include "cli/command_line.hpp"

#include <exception>
#include <iostream>
#include <string>
#include <string_view>

#include "cli/exit_codes.hpp"

#ifndef DCMFLOW_VERSION
#error "DCMFLOW_VERSION must be defined by the build"
#endif

namespace dcmflow::cli {
namespace {

// CLI11 checks required arguments before it complains about unknown ones, which would hide
// a mistyped option behind "inputs is required".
std::string usage_error_text(CLI::App& app, const CLI::ParseError& error) {
  const std::vector<std::string> unexpected = app.remaining(true);
  if (!unexpected.empty()) {
    const std::string& first = unexpected.front();
    if (first.starts_with('-')) return "unknown option '" + first + "'";
    if (app.get_subcommands().empty()) return "unknown subcommand '" + first + "'";
    return "unexpected argument '" + first + "'";
  }
  return error.what();
}

}  // namespace

void configure_app(CLI::App& app) {
  app.name("dcmflow");
  app.description("dcmflow: turns archives of reports and images into DICOM and loads them into a PACS");
  app.set_version_flag("--version", "dcmflow " DCMFLOW_VERSION);
  app.require_subcommand(1);
  app.failure_message(
      [](const CLI::App*, const CLI::Error& error) { return std::string(error.what()) + " (see dcmflow --help)\n"; });
}

int parse_and_run(CLI::App& app, int argc, char** argv, const std::vector<std::function<int()>>& commands,
                  const std::function<void(CLI::App&)>& before_running) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForVersion& version) {
    return app.exit(version);
  } catch (const CLI::ParseError& error) {
    std::cerr << "dcmflow: " << usage_error_text(app, error) << " (see dcmflow --help)\n";
    return exit_usage;
  }
  try {
    if (before_running) before_running(app);
    for (const auto& command : commands) {
      if (const int code = command(); code >= 0) return code;
    }
  } catch (const std::exception& error) {
    std::cerr << "dcmflow: fatal: " << error.what() << '\n';
    return exit_fatal;
  }
  return exit_usage;
}

int run_guarded(const std::function<int()>& program) noexcept {
  try {
    return program();
  } catch (const std::exception& error) {
    std::cerr << "dcmflow: internal error: " << error.what() << '\n';
  } catch (...) {
    std::cerr << "dcmflow: internal error: an unknown exception\n";
  }
  return exit_fatal;
}

}  // namespace dcmflow::cli
