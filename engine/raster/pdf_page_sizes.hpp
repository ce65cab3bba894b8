#pragma once
// The size of each page of a PDF, read once from the document (poppler), so that a long
// document's pages of one size are rendered from one open document instead of one each:
// every open parses the whole page tree, which made a 5,000-page PDF quadratic in time and
// memory.

#include <cstdint>
#include <filesystem>
#include <vector>

#include "core/result.hpp"

namespace dcmflow::raster {

struct page_size_points {
  double width = 0;  // as rotated for display, in points (1/72 inch)
  double height = 0;
  friend bool operator==(const page_size_points&, const page_size_points&) = default;
};

// Pages [first, first + count) of `file`; fails when the document has fewer.
[[nodiscard]] result<std::vector<page_size_points>> pdf_page_sizes(const std::filesystem::path& file,
                                                                   std::uint32_t first, std::uint32_t count);

}  // namespace dcmflow::raster
