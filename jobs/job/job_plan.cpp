#include "job/job_plan.hpp"

#include <algorithm>
#include <functional>
#include <regex>
#include <system_error>

#include <dcmflow/codecs/registry.hpp>

#include "dicom/attribute.hpp"
#include "dicom/character_set.hpp"
#include "job/automatic_codec.hpp"
#include "store/destination.hpp"

namespace dcmflow::job {

std::filesystem::path journal_of(const job_spec& spec, const shard& part) {
  std::filesystem::path named = spec.opened(spec.journal);
  const std::string suffix = part.suffix();
  if (!suffix.empty()) named.replace_filename(named.stem().string() + suffix + named.extension().string());
  return named;
}

namespace {

result<std::shared_ptr<const manifest::manifest>> load_manifest(const job_spec& spec, bool patient_id_set) {
  if (!spec.manifest) return std::shared_ptr<const manifest::manifest>();
  const manifest_spec& named = *spec.manifest;
  const auto encoding = manifest::parse_text_encoding(named.encoding).value_or(manifest::text_encoding::detect);
  auto loaded = manifest::manifest::load(spec.opened(named.file), {spec.allow_missing_patient_id, patient_id_set,
                                                                   encoding, named.columns, named.file.string()});
  if (!loaded) return loaded.error();
  return std::make_shared<const manifest::manifest>(std::move(loaded).value());
}

// The files a job reads and writes besides its inputs: its job file and manifest, its
// journal (every shard's, with SQLite's -wal, -shm and -journal), its reports and hand-over
// lists, and the folders it stores into -- when they lie inside an input folder. Matched by
// their exact names, so that no file of the user's is ever taken for one of them.
class own_files {
 public:
  void add_file(const std::filesystem::path& file) { files_.push_back(canonical(file)); }
  void add_folder(const std::filesystem::path& folder) { folders_.push_back(canonical(folder)); }
  void add_names(const std::filesystem::path& folder, std::function<bool(const std::string&)> matches) {
    names_.push_back({canonical(folder), std::move(matches)});
  }

  // `root`: the input folder being walked. A destination folder that is the root or holds
  // it is no reason to skip anything (the user stores beside the sources).
  [[nodiscard]] bool contains(const std::filesystem::path& file, const std::filesystem::path& root) const {
    const std::filesystem::path path = canonical(file);
    if (std::find(files_.begin(), files_.end(), path) != files_.end()) return true;
    const std::filesystem::path walked = canonical(root);
    for (const auto& folder : folders_) {
      if (inside(walked, folder)) continue;
      if (inside(path, folder)) return true;
    }
    for (const auto& [folder, matches] : names_) {
      if (path.parent_path() == folder && matches(path.filename().string())) return true;
    }
    return false;
  }

 private:
  static std::filesystem::path canonical(const std::filesystem::path& path) {
    std::error_code error;
    const std::filesystem::path full = std::filesystem::weakly_canonical(std::filesystem::absolute(path), error);
    return error || full.empty() ? std::filesystem::absolute(path).lexically_normal() : full;
  }
  // Is `path` the folder or below it?
  static bool inside(const std::filesystem::path& path, const std::filesystem::path& folder) {
    const auto [end, _] = std::mismatch(folder.begin(), folder.end(), path.begin(), path.end());
    return end == folder.end();
  }
  struct named_like {
    std::filesystem::path folder;
    std::function<bool(const std::string&)> matches;
  };
  std::vector<std::filesystem::path> files_;
  std::vector<std::filesystem::path> folders_;
  std::vector<named_like> names_;
};

own_files own_files_of(const job_spec& spec, const job_plan& plan, const std::filesystem::path& reports) {
  own_files own;
  own.add_file(spec.file);
  if (spec.manifest) own.add_file(spec.opened(spec.manifest->file));
  // job.journal.sqlite, job.journal.shard-1-of-4.sqlite, and each with -wal, -shm, -journal.
  const std::filesystem::path journal = spec.opened(spec.journal);
  const std::string stem = journal.stem().string();
  const std::string extension = journal.extension().string();
  own.add_names(journal.has_parent_path() ? journal.parent_path() : ".", [=](const std::string& name) {
    static const std::regex sqlite_side("(|-wal|-shm|-journal)");
    if (!name.starts_with(stem)) return false;
    std::string rest = name.substr(stem.size());
    static const std::regex shard(R"(^\.shard-[0-9]+-of-[0-9]+)");
    rest = std::regex_replace(rest, shard, "");
    if (!rest.starts_with(extension)) return false;
    return std::regex_match(rest.substr(extension.size()), sqlite_side);
  });
  own.add_names(reports, [](const std::string& name) {
    static const std::regex report(R"(report(\.shard-[0-9]+-of-[0-9]+)?\.(json|html)|(success|failure)\..+\.csv)");
    return std::regex_match(name, report);
  });
  for (const auto& destination : plan.options.destinations) {
    if (const auto* folder = destination->local_folder()) own.add_folder(*folder);
  }
  return own;
}

// How a spec's writer names a setting in messages.
struct setting_name {
  std::string_view in_job_file;
  std::string_view on_command_line;
};
constexpr setting_name codec_setting{"codec", "--codec"};
constexpr setting_name charset_setting{"charset", "--charset"};
constexpr setting_name attributes_setting{"attributes", "--set"};

class named_settings {
 public:
  explicit named_settings(const job_spec& spec)
      : job_file_(spec.origin == spec_origin::job_file), where_(job_file_ ? spec.file.string() + ": " : "") {}
  // "job.yaml: codec: " or "--codec "; `given`, the value, follows on the command line.
  [[nodiscard]] failure problem(const setting_name& setting, const std::string& given, const std::string& what) const {
    if (job_file_) return failure{where_ + std::string(setting.in_job_file) + ": " + what};
    return failure{std::string(setting.on_command_line) + (given.empty() ? "" : " " + given) + ": " + what};
  }
  [[nodiscard]] failure problem(const std::string& what) const { return failure{where_ + what}; }
  [[nodiscard]] std::string no_patient_id() const {
    return job_file_
               ? "no PatientID: name a manifest, set attributes: {PatientID: ...}, or allow_missing_patient_id: true"
               : "no PatientID: give --manifest, --set PatientID=..., or --allow-missing-patient-id";
  }

 private:
  bool job_file_;
  std::string where_;
};

isolate::decode_limits decode_limits_of(const job_spec& spec) {
  return {
      .memory_bytes = spec.decode_memory_mb << 20,
      .time = std::chrono::seconds(spec.decode_timeout_s),
      .documents = {.max_expanded_bytes = spec.max_document_mb << 20, .max_xml_bytes = spec.max_document_xml_mb << 20},
      .helpers = spec.threads > 0 ? static_cast<std::size_t>(spec.threads) : 0,  // one helper per thread
      .program = {}};
}

}  // namespace

result<engine_settings> settings_of(const job_spec& spec) {
  engine_settings settings;
  graph::pipeline_options& options = settings.options;
  const named_settings named(spec);
  options.mode = spec.mode == "convert"     ? graph::input_mode::convert
                 : spec.mode == "transcode" ? graph::input_mode::transcode
                                            : graph::input_mode::automatic;
  std::error_code error;
  options.codec_spec = spec.codec;
  if (spec.codec != automatic_codec_spec) {  // auto: chosen when the destinations are asked (automatic_codec.hpp)
    options.codec = codecs::make_encoder(spec.codec, error);
    const std::string shown = spec.origin == spec_origin::job_file ? "" : spec.codec;
    if (!options.codec)
      return named.problem(codec_setting, shown, (shown.empty() ? spec.codec + ": " : "") + error.message());
  }
  auto charset = dicom::parse_character_set(spec.charset);
  if (!charset) return named.problem(charset_setting, "", charset.error().message);
  options.character_set = charset.value();
  for (const auto& [given, into] : {std::pair{&spec.recode_charset, &options.recode_text_to},
                                    std::pair{&spec.assume_charset, &options.assume_character_set}}) {
    if (given->empty()) continue;
    auto set = dicom::parse_character_set(*given);
    if (!set) return named.problem(set.error().message);
    *into = set.value();
  }
  for (const auto& text : spec.attributes) {
    auto assignment = dicom::parse_assignment(text);
    if (!assignment) {
      return named.problem(attributes_setting, spec.origin == spec_origin::job_file ? "" : text,
                           assignment.error().message);
    }
    options.attributes.push_back(std::move(assignment).value());
  }
  const bool patient_id_set = std::any_of(options.attributes.begin(), options.attributes.end(),
                                          [](const auto& a) { return a.keyword == "PatientID" && !a.value.empty(); });
  auto rows = load_manifest(spec, patient_id_set);
  if (!rows) return rows.error();
  settings.manifest = std::move(rows).value();
  if (settings.manifest) {
    options.item_attributes = [rows = settings.manifest](const convert::input_file& input) {
      return rows->attributes_for(input.path, input.entry);
    };
  } else if (!patient_id_set && !spec.allow_missing_patient_id && options.mode != graph::input_mode::transcode) {
    return named.problem(named.no_patient_id());
  }
  for (const auto& url : spec.destinations) {
    auto destination = store::open_destination(url, spec.folder);
    if (!destination) return named.problem("destinations: " + destination.error().message);
    options.destinations.push_back(std::move(destination).value());
  }
  options.per_page = spec.per_page;
  if (spec.frames_per_instance) options.frames_per_instance = *spec.frames_per_instance;
  options.also_pdf = spec.also_pdf;
  options.rasterise.dpi = spec.dpi;
  options.rasterise.colour = spec.colour == "gray"  ? raster::colour_mode::grey
                             : spec.colour == "rgb" ? raster::colour_mode::rgb
                                                    : raster::colour_mode::automatic;
  if (options.mode != graph::input_mode::transcode) {  // DICOM inputs never reach LibreOffice
    options.office = std::make_shared<office::office_pool>(
        office::pool_options{.workers = spec.office_workers,
                             .timeout = std::chrono::seconds(spec.office_timeout_s),
                             .worker_program = {},
                             .profiles = {}});
  }
  options.archives.max_entry_bytes = spec.max_entry_bytes;
  options.outage_limit = std::chrono::seconds(spec.outage_limit_s);
  options.archives.max_expansion_ratio = spec.max_expansion_ratio;
  options.decoder = std::make_shared<isolate::contained_decoder>(decode_limits_of(spec));
  options.uid_root = spec.uid_root;
  options.uid_namespace = spec.uid_namespace;
  options.max_items_in_flight = spec.items_in_flight;
  options.max_bytes_in_flight = spec.memory_mb << 20;
  options.thumbnails = spec.thumbnails;
  return settings;
}

result<job_plan> plan_job(job_spec spec, const shard& part) {
  auto settings = settings_of(spec);
  if (!settings) return settings.error();
  job_plan plan;
  plan.options = std::move(settings->options);
  plan.manifest = std::move(settings->manifest);
  const graph::pipeline_options& options = plan.options;

  plan.suffix = part.suffix();
  plan.journal_file = journal_of(spec, part);
  // Reports go where the user asked, else beside the output (as `convert` does), else
  // beside the journal.
  std::filesystem::path reports =
      spec.report_folder.empty() ? std::filesystem::path() : spec.opened(spec.report_folder);
  for (const auto& destination : options.destinations) {
    const auto* folder = destination->local_folder();
    if (reports.empty() && folder != nullptr) reports = *folder;
  }
  if (reports.empty()) reports = plan.journal_file.has_parent_path() ? plan.journal_file.parent_path() : ".";
  plan.report_json = reports / ("report" + part.suffix() + ".json");
  plan.report_html = reports / ("report" + part.suffix() + ".html");

  // Each input with its own filter; the list's order (and so every output name) is the
  // same on every machine and every run, whatever the shard. What the job itself reads and
  // writes is never an input, even inside an input folder.
  const own_files own = own_files_of(spec, plan, reports);
  for (const auto& input : spec.inputs) {
    const std::filesystem::path named[] = {input.path};
    for (auto& found :
         convert::list_inputs(named, {input.include, input.exclude, spec.archive_encoding}, spec.folder)) {
      if (!found.named_directly && own.contains(found.path, spec.opened(input.path))) continue;
      plan.listed.push_back(std::move(found));
    }
  }
  for (auto& planned : graph::plan(plan.listed)) {
    if (part.holds(planned.input.name)) plan.items.push_back(std::move(planned));
  }
  plan.spec = std::move(spec);
  return plan;
}

}  // namespace dcmflow::job
