#include "cli/batch_runner.hpp"

#include <tbb/global_control.h>

#include <chrono>
#include <iostream>
#include <optional>

#include "cli/exit_codes.hpp"
#include "convert/archive_reader.hpp"
#include "job/automatic_codec.hpp"
#include "job/job_plan.hpp"
#include "report/report_json.hpp"

namespace dcmflow::cli {

void add_batch_options(CLI::App& command, batch_arguments& args, std::string_view inputs_help) {
  command.add_option("inputs", args.inputs, std::string(inputs_help))->required();
  command.add_option("-o,--output", args.output, "Output folder (created if missing)")->required();
  command
      .add_option("--codec", args.codec,
                  "Pixel compression: none, deflate, rle, jpegls, jpegls-near:N, j2k, j2k:RATIO, "
                  "htj2k, htj2k:RATIO, jpeg:Q (see dcmflow codecs); auto: the best lossless one the "
                  "destination accepts (a folder: jpegls)")
      ->default_str("none");
  command.add_option("--threads", args.threads, "Worker threads (default: all cores)")->check(CLI::Range(1, 1024));
  command.add_option("--include", args.filter.include,
                     "In folders, take only files whose path below the folder matches (glob, repeatable)");
  command.add_option("--exclude", args.filter.exclude,
                     "In folders, skip files whose path below the folder matches (glob, repeatable)");
  command
      .add_option("--archive-encoding", args.filter.archive_name_encoding,
                  "Code page of archive entry names not marked as UTF-8: CP437 (the zip default), GBK for "
                  "archives made on Chinese Windows")
      ->check([](const std::string& name) {
        return convert::is_known_name_encoding(name) ? std::string() : "unknown code page " + name;
      })
      ->capture_default_str();
  command
      .add_option("--max-entry-bytes", args.max_entry_bytes,
                  "Largest archive entry extracted (bytes; against decompression bombs)")
      ->capture_default_str();
  command
      .add_option("--max-expansion-ratio", args.max_expansion_ratio,
                  "Largest ratio of an archive entry's bytes to the archive bytes read for it, past 64 MiB")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{10}, std::uint64_t{1} << 40));
  command
      .add_option("--decode-memory-mb", args.decode_memory_mb,
                  "Address space of each helper that parses and decodes input files (MiB); a file that "
                  "needs more fails alone")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{256}, std::uint64_t{1} << 30));
  command
      .add_option("--decode-timeout", args.decode_timeout_s,
                  "Seconds (wall clock, and as many of CPU) one input file may take to decode")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  command.add_option("--uid-root", args.uid_root, "Root of the UIDs dcmflow derives (an organisation's root)")
      ->capture_default_str()
      ->check([](const std::string& root) {
        const bool valid = !root.empty() && root.size() <= 40 && root.front() != '.' && root.back() != '.' &&
                           root.find_first_not_of("0123456789.") == std::string::npos &&
                           root.find("..") == std::string::npos;
        return valid ? std::string() : "a UID root is digits and dots, at most 40 characters";
      });
  command
      .add_option("--uid-namespace", args.uid_namespace,
                  "Namespace of derived UIDs: the same input in the same namespace keeps its UIDs")
      ->capture_default_str();
}

job::job_spec spec_of(const batch_arguments& args, std::string mode) {
  job::job_spec spec;
  spec.origin = job::spec_origin::command_line;
  spec.folder = ".";
  spec.mode = std::move(mode);
  for (const auto& path : args.inputs) spec.inputs.push_back({path, args.filter.include, args.filter.exclude});
  spec.archive_encoding = args.filter.archive_name_encoding;
  spec.destinations = {"file://" + args.output.string()};
  spec.codec = args.codec;
  spec.threads = args.threads;
  spec.uid_root = args.uid_root;
  spec.uid_namespace = args.uid_namespace;
  spec.max_entry_bytes = args.max_entry_bytes;
  spec.max_expansion_ratio = args.max_expansion_ratio;
  spec.decode_memory_mb = args.decode_memory_mb;
  spec.decode_timeout_s = args.decode_timeout_s;
  spec.max_document_mb = args.max_document_mb;
  spec.max_document_xml_mb = args.max_document_xml_mb;
  spec.thumbnails = 0;  // report.json only: no contact sheet
  return spec;
}

int run_batch_command(std::string_view command_name, const job::job_spec& spec, const std::filesystem::path& output) {
  auto planned_settings = job::settings_of(spec);
  if (!planned_settings) {
    std::cerr << "dcmflow " << command_name << ": " << planned_settings.error().message << '\n';
    return exit_usage;
  }
  graph::pipeline_options& options = planned_settings->options;
  if (spec.codec == job::automatic_codec_spec) {
    if (auto chosen = job::choose_automatic_codecs(options); !chosen) {
      std::cerr << "dcmflow " << command_name << ": " << chosen.error().message << '\n';
      return exit_usage;
    }
  }
  std::error_code error;
  std::filesystem::create_directories(output, error);
  if (error) {
    std::cerr << "dcmflow " << command_name << ": cannot create output folder " << output << ": " << error.message()
              << '\n';
    return exit_fatal;
  }

  std::optional<tbb::global_control> thread_limit;
  if (spec.threads > 0) {
    thread_limit.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(spec.threads));
  }

  const auto started = std::chrono::system_clock::now();
  std::vector<convert::input_file> inputs;
  for (const auto& input : spec.inputs) {
    const std::filesystem::path named[] = {input.path};
    for (auto& found : convert::list_inputs(named, {input.include, input.exclude, spec.archive_encoding})) {
      inputs.push_back(std::move(found));
    }
  }
  const std::vector<graph::planned_item> planned = graph::plan(inputs);
  const std::vector<item_record> records = graph::run_to_records(planned, options, [](const item_record& record) {
    if (!record.error.empty()) std::cerr << record.input << ": " << record.error << '\n';
  });
  const auto finished = std::chrono::system_clock::now();

  const std::filesystem::path report_file = output / "report.json";
  if (auto written = report::write_report_json(report_file, records, {started, finished}); !written) {
    std::cerr << "dcmflow " << command_name << ": " << written.error().message << '\n';
    return exit_fatal;
  }

  std::size_t failed = 0;
  std::size_t outputs = 0;
  for (const auto& record : records) {
    failed += record.status == item_status::failed ? 1 : 0;
    outputs += record.outputs.size();
  }
  std::cout << command_name << ": " << records.size() - failed << " of " << records.size() << " inputs done, "
            << outputs << " DICOM files in " << output.string();
  if (failed > 0) std::cout << " (" << failed << " failed)";
  std::cout << "\nreport: " << report_file.string() << '\n';
  return failed > 0 ? exit_items_failed : exit_ok;
}

}  // namespace dcmflow::cli
