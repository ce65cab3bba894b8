#include "raster/image_loader.hpp"

#include <vips/vips.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "raster/page_frames.hpp"
#include "raster/pdf_page_sizes.hpp"
#include "raster/vips_image.hpp"

namespace dcmflow::raster {
namespace {

// Reasons inside this file are bare; load_image() prefixes them once.
failure reason(std::string why) { return failure{std::move(why)}; }

// The loaders we accept for images. ImageMagick reads nearly anything (PDF, text, even
// DICOM), so it is allowed only for BMP, which libvips has no loader of its own for.
bool is_bmp(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::array<char, 2> magic{};
  return in.read(magic.data(), magic.size()) && magic[0] == 'B' && magic[1] == 'M';
}

// The libvips loader for a file, if it is one we accept as an image.
result<std::string_view> find_image_loader(const std::filesystem::path& file) {
  const char* loader = vips_foreign_find_load(file.c_str());
  if (loader == nullptr) {
    vips_error_clear();
    return reason("not an image format dcmflow reads");
  }
  static constexpr std::array<std::string_view, 10> image_loaders = {
      "VipsForeignLoadPngFile",    "VipsForeignLoadJpegFile", "VipsForeignLoadTiffFile", "VipsForeignLoadNsgifFile",
      "VipsForeignLoadWebpFile",   "VipsForeignLoadHeifFile", "VipsForeignLoadJp2kFile", "VipsForeignLoadPpmFile",
      "VipsForeignLoadMagickFile", "VipsForeignLoadPdfFile"};
  const std::string_view name(loader);
  if (std::find(image_loaders.begin(), image_loaders.end(), name) == image_loaders.end()) {
    // "VipsForeignLoadPdfFile" -> "pdf": say what the file looks like in a user's words.
    std::string format(name.substr(std::string_view("VipsForeignLoad").size()));
    format = format.substr(0, format.size() - std::string_view("File").size());
    std::transform(format.begin(), format.end(), format.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return reason("not an image format dcmflow reads (it looks like " + format + ")");
  }
  if (name == "VipsForeignLoadMagickFile" && !is_bmp(file)) {
    return reason("not an image format dcmflow reads");
  }
  return name;
}

constexpr std::string_view pdf_loader = "VipsForeignLoadPdfFile";

// Lazy open: reads the header, decodes nothing yet. A truncated file fails at decode time.
// `dpi` above 0: a PDF page, rendered at that resolution.
result<image_ref> open_page(const std::filesystem::path& file, int page, bool paged, double dpi) {
  VipsImage* image =
      dpi > 0
          ? vips_image_new_from_file(file.c_str(), "page", page, "dpi", dpi, "fail_on", VIPS_FAIL_ON_TRUNCATED, nullptr)
      : paged ? vips_image_new_from_file(file.c_str(), "page", page, "fail_on", VIPS_FAIL_ON_TRUNCATED, nullptr)
              : vips_image_new_from_file(file.c_str(), "fail_on", VIPS_FAIL_ON_TRUNCATED, nullptr);
  if (image == nullptr) return reason(take_vips_error());
  return image_ref(image);
}

// Pages of a document or multi-page image, as its loader counted them. Not
// vips_image_get_n_pages(), which answers 1 for 10,000 pages or more: a 10,000-page PDF
// became one frame.
int page_count_of(VipsImage* image) {
  int pages = 1;
  if (vips_image_get_typeof(image, "n-pages") != 0 && vips_image_get_int(image, "n-pages", &pages) != 0) {
    vips_error_clear();
    return 1;
  }
  return std::max(1, pages);
}

// The pages a load covers, from 0: the options' range within the source's pages.
struct page_range {
  std::uint32_t first = 0;
  std::uint32_t count = 0;
};

result<page_range> range_of(int page_count, const load_options& options) {
  const auto pages = static_cast<std::uint32_t>(page_count);
  if (options.first_page >= pages) {
    return reason("page " + std::to_string(std::uint64_t{options.first_page} + 1) + " asked of a source of " +
                  std::to_string(pages) + " pages");
  }
  const std::uint32_t left = pages - options.first_page;
  return page_range{options.first_page, options.page_limit == 0 ? left : std::min(left, options.page_limit)};
}

}  // namespace

vips_runtime::vips_runtime(const char* program_name) {
  if (VIPS_INIT(program_name) != 0) vips_error_exit("cannot start libvips");
  // libvips also prints warnings ("not enough data") from its worker threads; what matters
  // reaches the item's failure through the error buffer, so keep the terminal clean.
  g_log_set_handler(
      "VIPS", G_LOG_LEVEL_WARNING, [](const gchar*, GLogLevelFlags, const gchar*, gpointer) {}, nullptr);
  vips_concurrency_set(1);
  vips_cache_set_max(0);  // each operation runs once per item: caching only holds memory
}

vips_runtime::~vips_runtime() { vips_shutdown(); }

namespace {

bool pages_share_size(std::span<const image_ref> pages) {
  return std::all_of(pages.begin(), pages.end(),
                     [&](const image_ref& page) { return size_text(page.get()) == size_text(pages.front().get()); });
}

// The pages of a PDF range, each a lazy image: the pages of one size are one document
// opened once (libvips lays them out top to bottom, each at its own offset), cut into pages.
result<std::vector<image_ref>> open_pdf_pages(const std::filesystem::path& file, page_range range, double dpi) {
  auto sizes = pdf_page_sizes(file, range.first, range.count);
  if (!sizes) return sizes.error();
  std::vector<image_ref> pages;
  pages.reserve(range.count);
  for (std::uint32_t start = 0; start < range.count;) {
    std::uint32_t end = start + 1;
    while (end < range.count && (*sizes)[end] == (*sizes)[start]) ++end;
    const int count = static_cast<int>(end - start);
    VipsImage* run = vips_image_new_from_file(file.c_str(), "page", static_cast<int>(range.first + start), "n", count,
                                              "dpi", dpi, "fail_on", VIPS_FAIL_ON_TRUNCATED, nullptr);
    if (run == nullptr) return reason(take_vips_error());
    const image_ref pages_of_one_size(run);
    const int width = vips_image_get_width(run);
    const int height = vips_image_get_height(run);
    if (height % count != 0) {
      return reason("pages " + std::to_string(range.first + start + 1) + "-" + std::to_string(range.first + end) +
                    " have one size but render to " + std::to_string(height) + " rows");
    }
    const int page_height = height / count;
    for (int index = 0; index < count; ++index) {
      auto page = apply([&](VipsImage** out) {
        return vips_extract_area(run, out, 0, index * page_height, width, page_height, nullptr);
      });
      if (!page) return page.error();
      pages.push_back(std::move(page).value());
    }
    start = end;
  }
  return pages;
}

result<std::vector<raster>> decode_all_pages(const std::filesystem::path& file, const load_options& options) {
  auto loader = find_image_loader(file);
  if (!loader) return loader.error();

  const bool document = loader.value() == pdf_loader;
  const double dpi = document ? options.dpi : 0;
  auto first = open_page(file, 0, false, dpi);
  if (!first) return first.error();
  const int page_count = page_count_of(first->get());
  const bool paged = page_count > 1;
  auto range = range_of(page_count, options);
  if (!range) return range.error();
  // From the first page's header, before any other page is opened: a range far beyond
  // what one object may hold fails now, not after thousands of pages were opened.
  const std::uint64_t first_page_bytes = std::uint64_t{static_cast<std::uint32_t>(vips_image_get_width(first->get()))} *
                                         static_cast<std::uint32_t>(vips_image_get_height(first->get()));
  if (first_page_bytes * range->count > options.max_pixel_bytes) {
    return reason("image too large: " + std::to_string(range->count) + " pages of " +
                  std::to_string(vips_image_get_width(first->get())) + "x" +
                  std::to_string(vips_image_get_height(first->get())) + " need more than the " +
                  std::to_string(options.max_pixel_bytes) + " bytes of pixels one object may hold");
  }

  // Headers first: every page's shape decides the common model before any pixel is decoded.
  std::vector<image_ref> opened;
  if (document && paged) {
    auto pdf_pages = open_pdf_pages(file, *range, dpi);
    if (!pdf_pages) return pdf_pages.error();
    opened = std::move(pdf_pages).value();
  } else {
    for (std::uint32_t index = range->first; index < range->first + range->count; ++index) {
      // NOLINTNEXTLINE(bugprone-use-after-move): page 0 comes once; `first` is reset below
      auto page = index == 0 ? std::move(first) : open_page(file, static_cast<int>(index), paged, dpi);
      if (!page) return page.error();
      opened.push_back(std::move(page).value());
    }
  }
  first = image_ref();  // the range's own pages are open: the header's document is not needed
  std::vector<image_ref> pages;
  std::vector<page_shape> shapes;
  pages.reserve(opened.size());
  for (std::size_t at = 0; at < opened.size(); ++at) {
    const std::size_t index = range->first + at;
    auto oriented = apply([&](VipsImage** out) { return vips_autorot(opened[at].get(), out, nullptr); });
    if (!oriented) return oriented.error();
    auto shape = describe(oriented->get());
    if (!shape) return reason("page " + std::to_string(index + 1) + ": " + shape.error().message);
    shapes.push_back(shape.value());
    pages.push_back(std::move(oriented).value());
  }
  common_model model = choose_model(shapes);
  // Rendered pages come as RGB(A) whatever they show: --color decides, after decoding.
  if (document && options.colour == colour_mode::rgb) model.rgb = true;

  std::vector<raster> rasters;
  if (pages_share_size(pages)) {
    auto all = decode_frames(pages, shapes, model, options, paged ? range->first + 1 : 0, document);
    if (!all) return all.error();
    rasters.push_back(std::move(all).value());
  } else {
    // Pages of different sizes cannot be frames of one instance; keep each page whole
    // rather than crop or pad it.
    for (std::size_t index = 0; index < pages.size(); ++index) {
      auto one = decode_frames(std::span(pages).subspan(index, 1), std::span(shapes).subspan(index, 1), model, options,
                               range->first + index + 1, document);
      if (!one) return one.error();
      rasters.push_back(std::move(one).value());
    }
    rasters.front().notes.emplace_back("pages differ in size: one instance per page");
  }
  // Every page arrives, or the item fails: never fewer frames than the source has pages.
  std::size_t frames = 0;
  for (const raster& each : rasters) frames += each.frame_count;
  if (frames != range->count) {
    return reason("the source has " + std::to_string(page_count) + " pages, " + std::to_string(frames) + " of " +
                  std::to_string(range->count) + " were decoded");
  }
  for (std::string& note : model_notes(shapes, model)) rasters.front().notes.push_back(std::move(note));
  if (loader.value() == "VipsForeignLoadJpegFile") {
    for (raster& each : rasters) each.lossy_source_method = "ISO_10918_1";
  }
  // Rendered pages were made grey as they were decoded (decode_frames): a raster is RGB
  // only when one of its pages is in colour, or with --color rgb.
  if (document) {
    for (raster& each : rasters) each.pixel_spacing_mm = 25.4 / options.dpi;
  }
  return rasters;
}

}  // namespace

result<raster> render_pdf_page(std::span<const std::byte> pdf, std::uint32_t page, double dpi) {
  const auto rendered = apply([&](VipsImage** out) {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): read only
    return vips_pdfload_buffer(const_cast<std::byte*>(pdf.data()), pdf.size(), out, "page", static_cast<int>(page),
                               "dpi", dpi, nullptr);
  });
  if (!rendered) return failure{"cannot render PDF: " + rendered.error().message};
  // Pages come as RGBA with a transparent background: onto white, as on paper.
  const double white_rgb[] = {255, 255, 255};
  VipsArrayDouble* white = vips_array_double_new(white_rgb, 3);
  const auto flat = apply([&](VipsImage** out) {
    return vips_image_hasalpha(rendered->get()) != 0 ? vips_flatten(rendered->get(), out, "background", white, nullptr)
                                                     : vips_copy(rendered->get(), out, nullptr);
  });
  vips_area_unref(VIPS_AREA(white));
  if (!flat) return failure{"cannot render PDF: " + flat.error().message};
  const auto rgb = apply([&](VipsImage** out) { return vips_cast_uchar(flat->get(), out, nullptr); });
  if (!rgb) return failure{"cannot render PDF: " + rgb.error().message};
  raster out;
  out.frame.width = static_cast<std::uint32_t>(vips_image_get_width(rgb->get()));
  out.frame.height = static_cast<std::uint32_t>(vips_image_get_height(rgb->get()));
  out.frame.samples_per_pixel = static_cast<std::uint16_t>(vips_image_get_bands(rgb->get()));
  if (out.frame.samples_per_pixel != 3) return failure{"cannot render PDF: the page is not RGB"};
  out.frame.bits_allocated = 8;
  out.frame.bits_stored = 8;
  out.frame.photometric = codecs::photometric::rgb;
  out.frame_count = 1;
  std::size_t size = 0;
  void* memory = vips_image_write_to_memory(rgb->get(), &size);
  if (memory == nullptr) return failure{"cannot render PDF: " + take_vips_error()};
  const auto* bytes = static_cast<const std::byte*>(memory);
  out.pixels.assign(bytes, bytes + size);
  g_free(memory);
  if (out.pixels.size() != out.frame.bytes()) return failure{"cannot render PDF: unexpected page size"};
  if (is_grey(out)) to_grey(out);
  out.pixel_spacing_mm = 25.4 / dpi;
  return out;
}

bool is_image(const std::filesystem::path& file) {
  auto loader = find_image_loader(file);
  return static_cast<bool>(loader) && loader.value() != pdf_loader;
}

bool is_pdf(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::array<char, 4> magic{};
  return in.read(magic.data(), magic.size()) && std::string_view(magic.data(), 4) == "%PDF";
}

result<image_probe> probe_image(const std::filesystem::path& file, const load_options& options) {
  auto loader = find_image_loader(file);
  if (!loader) return failure{"cannot read image: " + loader.error().message};  // as load_image says it
  const bool document = loader.value() == pdf_loader;
  auto first = open_page(file, 0, false, document ? options.dpi : 0);
  if (!first) return failure{(document ? "cannot render PDF: " : "cannot read image: ") + first.error().message};
  VipsImage* image = first->get();
  const auto pages = static_cast<std::uint32_t>(page_count_of(image));
  auto range = range_of(static_cast<int>(pages), options);
  if (!range) return failure{(document ? "cannot render PDF: " : "cannot read image: ") + range.error().message};
  const int bands = std::min(3, vips_image_get_bands(image) - (vips_image_hasalpha(image) != 0 ? 1 : 0));
  const std::uint64_t page_bytes = std::uint64_t{static_cast<std::uint32_t>(vips_image_get_width(image))} *
                                   static_cast<std::uint32_t>(vips_image_get_height(image)) *
                                   static_cast<std::uint32_t>(std::max(1, bands)) *
                                   (vips_image_get_format(image) == VIPS_FORMAT_USHORT ? 2 : 1);
  return image_probe{pages, page_bytes * range->count, document};
}

result<std::vector<raster>> load_image(const std::filesystem::path& file, const load_options& options) {
  auto loaded = decode_all_pages(file, options);
  if (!loaded) return failure{(is_pdf(file) ? "cannot render PDF: " : "cannot read image: ") + loaded.error().message};
  return loaded;
}

}  // namespace dcmflow::raster
