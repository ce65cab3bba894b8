#pragma once
// --shard I/N: N machines share one job without overlap. An item belongs to shard I when
// the SHA-256 of its key (its name as listed: a path relative to the job, or
// "archive.zip!entry") is I modulo N: stable across machines and runs, whatever order or
// subset of the list each machine sees.

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace dcmflow::job {

struct shard {
  std::size_t index = 0;
  std::size_t count = 1;

  [[nodiscard]] bool whole() const { return count == 1; }
  [[nodiscard]] bool holds(std::string_view key) const;
  // ".shard-0-of-3", as --shard 0/3 names it; empty for the whole job.
  [[nodiscard]] std::string suffix() const;
};

// "I/N" with 0 <= I < N.
[[nodiscard]] result<shard> parse_shard(const std::string& text);

}  // namespace dcmflow::job
