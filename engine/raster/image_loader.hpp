#pragma once
// Images (PNG, JPEG, TIFF, BMP, GIF, WebP, HEIF, JPEG 2000, PNM) and PDF documents (pages
// rendered by poppler at a resolution) to rasters, through libvips.
// Headers of every page are read first, pixels after, straight into the raster's buffer.

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "core/result.hpp"
#include "raster/raster.hpp"

namespace dcmflow::raster {

// libvips' process-wide state. Create one before loading; its threads are capped at one
// per call because dcmflow runs many items at once (two pools would oversubscribe the cores).
class vips_runtime {
 public:
  explicit vips_runtime(const char* program_name);
  ~vips_runtime();
  vips_runtime(const vips_runtime&) = delete;
  vips_runtime& operator=(const vips_runtime&) = delete;
};

enum class colour_mode {
  automatic,  // documents: grey when every page is grey, else RGB
  grey,
  rgb,
};

struct load_options {
  // Uncompressed Pixel Data must fit a 32-bit even length (PS3.5 7.1.1).
  std::uint64_t max_pixel_bytes = 0xFFFFFFFEULL;
  double dpi = 200;                             // PDF pages are rendered at this resolution
  colour_mode colour = colour_mode::automatic;  // for rendered documents
  // Which pages: from `first_page` (from 0), at most `page_limit` of them (0: to the end).
  // A long document is loaded a part at a time, so that memory holds a few pages of it.
  std::uint32_t first_page = 0;
  std::uint32_t page_limit = 0;
};

// Grey stays grey (8 or 16 bits), colour becomes 8-bit RGB, alpha is flattened onto white,
// palettes are expanded, EXIF orientation is applied, every page (of the options' range)
// becomes a frame. Usually one raster; one per page when the pages differ in size (no page
// is cropped or padded). A document is grey when every page loaded is.
[[nodiscard]] result<std::vector<raster>> load_image(const std::filesystem::path& file,
                                                     const load_options& options = {});

// What loading a file would give, from its header alone (for admission and preflight).
struct image_probe {
  std::uint32_t pages = 0;          // every page of the source, whatever the options' range
  std::uint64_t decoded_bytes = 0;  // an estimate: the first page's size times the range's pages
  bool document = false;            // a PDF, rendered at `dpi`
};
[[nodiscard]] result<image_probe> probe_image(const std::filesystem::path& file, const load_options& options = {});

// One page (from 0) of a PDF held in memory, rendered at `dpi` onto white, 8-bit (grey when
// the page is grey): what a viewer shows of an Encapsulated PDF. Only that page is rendered.
[[nodiscard]] result<raster> render_pdf_page(std::span<const std::byte> pdf, std::uint32_t page, double dpi);

// An image format dcmflow reads, by the file's bytes (whatever its name)?
[[nodiscard]] bool is_image(const std::filesystem::path& file);

// A PDF file? (Its first bytes are "%PDF".)
[[nodiscard]] bool is_pdf(const std::filesystem::path& file);

}  // namespace dcmflow::raster
