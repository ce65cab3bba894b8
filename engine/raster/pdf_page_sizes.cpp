#include "raster/pdf_page_sizes.hpp"

#include <poppler.h>

#include <memory>
#include <string>

namespace dcmflow::raster {

result<std::vector<page_size_points>> pdf_page_sizes(const std::filesystem::path& file, std::uint32_t first,
                                                     std::uint32_t count) {
  GError* error = nullptr;
  std::unique_ptr<char, decltype(&g_free)> uri(
      g_filename_to_uri(std::filesystem::absolute(file).c_str(), nullptr, &error), &g_free);
  if (!uri) {
    const std::string why = error != nullptr ? error->message : "not a file name";
    g_clear_error(&error);
    return failure{"cannot open PDF: " + why};
  }
  std::unique_ptr<PopplerDocument, decltype(&g_object_unref)> document(
      poppler_document_new_from_file(uri.get(), nullptr, &error), &g_object_unref);
  if (!document) {
    const std::string why = error != nullptr ? error->message : "poppler gave no reason";
    g_clear_error(&error);
    return failure{"cannot open PDF: " + why};
  }
  const int pages = poppler_document_get_n_pages(document.get());
  if (pages < 0 || std::uint64_t{first} + count > static_cast<std::uint64_t>(pages)) {
    return failure{"the PDF has " + std::to_string(pages) + " pages, not " +
                   std::to_string(std::uint64_t{first} + count)};
  }
  std::vector<page_size_points> sizes;
  sizes.reserve(count);
  for (std::uint32_t index = first; index < first + count; ++index) {
    std::unique_ptr<PopplerPage, decltype(&g_object_unref)> page(
        poppler_document_get_page(document.get(), static_cast<int>(index)), &g_object_unref);
    if (!page) return failure{"page " + std::to_string(index + 1) + ": poppler cannot read it"};
    page_size_points size;
    poppler_page_get_size(page.get(), &size.width, &size.height);
    sizes.push_back(size);
  }
  return sizes;
}

}  // namespace dcmflow::raster
