#pragma once
// `dcmflow ups ...`: a UPS-RS client (PS3.18 11) for worklists of work to do: create, get,
// search, claim, progress, complete, cancel, request-cancel, subscribe, unsubscribe,
// suspend. A request the server refuses (4xx) exits 1 with its status and reason; a server
// that cannot be reached or fails (5xx) exits 3. worklist/ups_client.hpp has the URL's
// options.

#include <CLI/CLI.hpp>

#include <functional>

namespace dcmflow::cli {

[[nodiscard]] std::function<int()> add_ups_command(CLI::App& app);

}  // namespace dcmflow::cli
