#pragma once
// The one list of dcmflow's commands: where each runs and what it needs. The front
// (front_main.cpp) routes by it, dcmflow-all starts libvips by it, and dcmflow-all refuses
// to start with a registered command the table does not list (or the reverse), so the
// two programs cannot drift apart. Help is CLI11's, from the commands dcmflow-all registers.

#include <algorithm>
#include <array>
#include <string_view>

namespace dcmflow::cli {

enum class program {
  front,  // `dcmflow` itself: links only what sending needs, starts in 9 ms
  all,    // dcmflow-all, which the front execs
};

struct command_entry {
  std::string_view name;
  program runs_in;
  bool makes_pixels;  // needs libvips started (~20 ms) before it runs
};

inline constexpr std::array command_table{
    command_entry{"run", program::all, true},       command_entry{"status", program::all, false},
    command_entry{"verify", program::all, false},   command_entry{"convert", program::all, true},
    command_entry{"transcode", program::all, true}, command_entry{"store", program::front, false},
    command_entry{"echo", program::front, false},   command_entry{"query", program::all, false},
    command_entry{"fetch", program::all, true},     command_entry{"preview", program::all, true},
    command_entry{"codecs", program::all, false},   command_entry{"bench", program::all, true},
    command_entry{"validate", program::all, true},  command_entry{"capabilities", program::all, false},
    command_entry{"ups", program::all, false},      command_entry{"work", program::all, false},
};

// Null for a name that is no command (an option such as --help, a typo).
[[nodiscard]] constexpr const command_entry* find_command(std::string_view name) {
  const auto found = std::ranges::find(command_table, name, &command_entry::name);
  return found == command_table.end() ? nullptr : &*found;
}

}  // namespace dcmflow::cli
