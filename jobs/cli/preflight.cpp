#include "cli/preflight.hpp"

#include <array>
#include <fstream>
#include <map>
#include <ostream>
#include <set>
#include <vector>

#include "cli/exit_codes.hpp"
#include "convert/archive_reader.hpp"
#include "core/file_bytes.hpp"
#include "graph/pipeline.hpp"
#include "office/office_pool.hpp"
#include "office/rendering_environment.hpp"
#include "raster/image_loader.hpp"

namespace dcmflow::cli {
namespace {

enum class input_kind { image, pdf, office, dicom, unknown, missing };

constexpr std::array<std::string_view, 6> kind_names = {"image", "pdf",          "office document",
                                                        "dicom", "unrecognised", "missing"};

std::string lower_extension(const std::filesystem::path& file) {
  std::string extension = file.extension().string();
  for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return extension;
}

struct classified {
  input_kind kind = input_kind::unknown;
  std::uint32_t pages = 1;
  std::string problem;
};

// From the header of a plain file; from the name alone inside an archive (nothing is
// extracted before the run).
classified classify(const convert::input_file& input, const graph::pipeline_options& options) {
  if (!input.problem.empty()) return {input_kind::unknown, 0, input.problem};
  if (!input.entry.empty()) {
    const std::filesystem::path entry(input.entry);
    const std::string extension = lower_extension(entry);
    if (office::is_office_document(entry)) return {input_kind::office, 1, {}};
    if (extension == ".pdf") return {input_kind::pdf, 1, {}};
    if (extension == ".dcm") return {input_kind::dicom, 1, {}};
    static const std::set<std::string> images = {".png",  ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif",
                                                 ".webp", ".jp2", ".pgm",  ".ppm", ".pnm",  ".heic"};
    if (images.contains(extension)) return {input_kind::image, 1, {}};
    return {input_kind::unknown, 0, "not a kind dcmflow converts (by its name inside the archive)"};
  }
  std::error_code error;
  if (!std::filesystem::is_regular_file(input.path, error)) return {input_kind::missing, 0, "not found"};
  if (is_part10_file(input.path)) return {input_kind::dicom, 1, {}};
  if (graph::goes_through_office(input.path)) return {input_kind::office, 1, {}};
  // Headers of files from outside are read in a decode helper, as in the run itself.
  auto probe = options.decoder ? options.decoder->probe_image(input.path, options.rasterise)
                               : raster::probe_image(input.path, options.rasterise);
  if (!probe) return {input_kind::unknown, 0, probe.error().message};
  return {probe->document ? input_kind::pdf : input_kind::image, probe->pages, {}};
}

}  // namespace

int run_preflight(const job::job_plan& plan, const std::unordered_map<std::string, journal::finished_item>& finished,
                  std::ostream& out) {
  std::vector<std::string> problems;
  std::map<input_kind, std::size_t> by_kind;
  std::uint64_t pages = 0;
  std::uint64_t pages_to_do = 0;
  std::size_t done_before = 0;
  std::set<const manifest::manifest_row*> rows_used;
  std::vector<std::string> unnamed;  // inputs no manifest row names

  const graph::input_mode mode = plan.options.mode;
  for (const auto& item : plan.items) {
    const convert::input_file& input = item.input;
    classified kind = classify(input, plan.options);
    if (mode == graph::input_mode::transcode && kind.kind != input_kind::dicom && kind.kind != input_kind::missing &&
        kind.problem.empty()) {
      kind.problem = "not a DICOM file (mode: transcode recompresses DICOM only)";
    }
    if (mode == graph::input_mode::convert && kind.kind == input_kind::dicom) {
      kind.problem = "a DICOM file (mode: convert takes images and documents; mode: auto transcodes DICOM)";
    }
    ++by_kind[kind.kind];
    pages += kind.pages;
    if (!kind.problem.empty()) problems.push_back(input.name + ": " + kind.problem);
    if (const auto found = finished.find(input.name);
        found != finished.end() && found->second.state == item_status::converted) {
      ++done_before;
    } else {
      pages_to_do += kind.pages;
    }
    if (plan.manifest && kind.kind != input_kind::dicom) {
      if (auto row = plan.manifest->row_for(input.path, input.entry); !row) {
        unnamed.push_back(input.name + ": " + row.error().message);
      }
    }
  }
  if (plan.manifest) {
    // A row is used when any input of the whole job names it, whichever shard takes it.
    for (const auto& input : plan.listed) {
      if (auto row = plan.manifest->row_for(input.path, input.entry)) rows_used.insert(row.value());
    }
  }

  out << "preflight: " << plan.spec.file.string() << '\n';
  // What documents render with here: a job's shards can be held to it (rasterise.environment).
  out << "rendering environment: " << office::current_rendering_environment().text() << '\n';
  out << "inputs: " << plan.items.size() << " items";
  if (plan.items.size() != plan.listed.size()) out << " (this shard; " << plan.listed.size() << " in the job)";
  out << '\n';
  for (const auto& [kind, count] : by_kind) {
    out << "  " << kind_names[static_cast<std::size_t>(kind)] << ": " << count << '\n';
  }
  out << "  estimated pages: " << pages
      << (by_kind.contains(input_kind::office) ? " (Office documents and archive entries counted as 1 page each)" : "")
      << '\n';
  if (plan.manifest) {
    const auto& rows = plan.manifest->rows();
    std::size_t with_problems = 0;
    for (const auto& row : rows) {
      with_problems += row.problems.empty() ? 0 : 1;
      for (const auto& problem : row.problems) problems.push_back(problem);
    }
    out << "manifest: " << plan.manifest->name() << ": " << rows.size() << " rows, " << with_problems
        << " with problems\n";
    if (!plan.manifest->ignored_columns().empty()) {
      out << "  columns ignored (neither mapped nor DICOM keywords):";
      for (const auto& column : plan.manifest->ignored_columns()) out << " '" << column << "'";
      out << '\n';
    }
    for (const auto& text : unnamed) problems.push_back(text);
    for (const auto& row : rows) {
      if (!rows_used.contains(&row)) {
        problems.push_back(plan.manifest->name() + ":" + std::to_string(row.row) + ": names no input of the job");
      }
    }
  }
  out << "destinations:\n";
  for (const auto& destination : plan.options.destinations) out << "  " << destination->url() << '\n';
  out << "codec: " << plan.spec.codec << "\njournal: " << plan.journal_file.string();
  if (done_before > 0) out << " (" << done_before << " items stored by earlier runs: skipped unless changed)";
  out << '\n';
  out << "problems: " << problems.size() << '\n';
  for (const auto& problem : problems) out << "  " << problem << '\n';
  out << "would convert: " << plan.items.size() - done_before << " items, about " << pages_to_do << " pages\n";
  return problems.empty() ? exit_ok : exit_items_failed;
}

}  // namespace dcmflow::cli
