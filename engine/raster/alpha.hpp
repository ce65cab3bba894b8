#pragma once
// Flattening alpha onto a white page. Written here rather than with vips_flatten so the
// result is exact integer arithmetic that anyone can reproduce:
//   out = round((c * a + max * (max - a)) / max)

#include <cstddef>
#include <span>

namespace dcmflow::raster {

// `with_alpha` holds pixels of `colour_samples` + 1 samples (alpha last), each of
// `bytes_per_sample` bytes (1 or 2, native order). Writes `colour_samples` per pixel to `out`.
void flatten_onto_white(std::span<const std::byte> with_alpha, std::span<std::byte> out, std::size_t colour_samples,
                        std::size_t bytes_per_sample);

}  // namespace dcmflow::raster
