#pragma once
// codec: auto (job files, `--codec auto`): each destination is asked what it accepts
// (store::destination::choose_automatic_codec) and gets the best lossless codec it takes; the run
// compresses with the first destination's, and the store stage recodes for the others
// (lossless both ways), so no destination meets a syntax it refuses.

#include <string>
#include <vector>

#include "core/result.hpp"
#include "graph/pipeline.hpp"

namespace dcmflow::job {

inline constexpr std::string_view automatic_codec_spec = "auto";

// Fills options.codec and options.destination_codecs. What to tell the user comes back: who
// gets which codec, and each class dcmflow writes that a destination refuses outright.
[[nodiscard]] result<std::vector<std::string>> choose_automatic_codecs(graph::pipeline_options& options);

}  // namespace dcmflow::job
