#pragma once
// `dcmflow capabilities URL`: what a DIMSE peer accepts, before anything is sent: a C-ECHO,
// then every SOP class dcmflow writes (and those of the files given with --for) against
// every transfer syntax it writes, and the services it uses besides (store/capabilities.hpp).
// A table, or JSON with --json; the codec `codec: auto` would choose for the peer.

#include <CLI/CLI.hpp>

#include <functional>

namespace dcmflow::cli {

[[nodiscard]] std::function<int()> add_capabilities_command(CLI::App& app);

}  // namespace dcmflow::cli
