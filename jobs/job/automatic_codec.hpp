#pragma once
// codec: auto (job files, `--codec auto`): each destination is asked what it accepts
// (store::destination::choose_automatic_codec) and gets the best lossless codec it takes; the run
// compresses with the first destination's, and the store stage recodes for the others
// (lossless both ways), so no destination meets a syntax it refuses.

#include <string>
#include <vector>

#include "core/result.hpp"
#include "graph/pipeline.hpp"
#include "store/destination.hpp"

namespace dcmflow::job {

inline constexpr std::string_view automatic_codec_spec = "auto";

// The lossless codecs this build writes, in the order `codec: auto` prefers them: JPEG-LS
// (the smallest files of dcmflow's bench, and fast), JPEG 2000 (as small, 3x slower), HTJ2K
// (fast, but few decoders read it yet), RLE (read everywhere), Deflate, then none.
[[nodiscard]] std::vector<store::codec_choice> lossless_codecs_by_preference();

// Every transfer syntax this build writes, Explicit VR Little Endian first: what
// `dcmflow capabilities` proposes for each storage class.
[[nodiscard]] std::vector<std::string> written_transfer_syntaxes();

// Fills options.codec and options.destination_codecs. What to tell the user comes back: who
// gets which codec, and each class dcmflow writes that a destination refuses outright.
[[nodiscard]] result<std::vector<std::string>> choose_automatic_codecs(graph::pipeline_options& options);

}  // namespace dcmflow::job
