#include "cli/convert_command.hpp"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/batch_runner.hpp"
#include "graph/pipeline.hpp"

namespace dcmflow::cli {
namespace {

struct convert_arguments {
  batch_arguments batch;
  std::vector<std::string> assignments;
  std::filesystem::path manifest;
  std::string manifest_encoding = "auto";
  std::string charset = "utf8";
  bool allow_missing_patient_id = false;
  bool per_page = false;
  std::uint32_t frames_per_instance = graph::default_frames_per_instance;
  bool also_pdf = false;
  double dpi = 200;
  std::string colour = "auto";
  std::size_t office_workers = 0;
  int office_timeout = 60;
};

int run_convert(const convert_arguments& args) {
  job::job_spec spec = spec_of(args.batch, "convert");
  spec.attributes = args.assignments;
  if (!args.manifest.empty()) spec.manifest = job::manifest_spec{args.manifest, args.manifest_encoding, {}};
  spec.allow_missing_patient_id = args.allow_missing_patient_id;
  spec.charset = args.charset;
  spec.per_page = args.per_page;
  spec.frames_per_instance = args.frames_per_instance;
  spec.also_pdf = args.also_pdf;
  spec.dpi = args.dpi;
  spec.colour = args.colour;
  spec.office_workers = args.office_workers;
  spec.office_timeout_s = args.office_timeout;
  return run_batch_command("convert", spec, args.batch.output);
}

}  // namespace

std::function<int()> add_convert_command(CLI::App& app) {
  auto args = std::make_shared<convert_arguments>();
  CLI::App* command = app.add_subcommand("convert", "Convert images into DICOM Part 10 files");
  add_batch_options(*command, args->batch, "Image files or folders (searched recursively)");
  command->add_option("--set", args->assignments,
                      "Set an attribute by its DICOM keyword, e.g. --set PatientID=123 (repeatable)");
  command
      ->add_option("--manifest", args->manifest,
                   "CSV (header row) or JSON array: column 'file' names inputs (globs allowed), the other "
                   "columns are DICOM keywords")
      ->check(CLI::ExistingFile);
  command
      ->add_option("--manifest-encoding", args->manifest_encoding,
                   "auto (UTF-8; else GB18030 or Windows-1252 when the bytes say which), utf8, gb18030 or latin1")
      ->check(CLI::IsMember({"auto", "utf8", "gb18030", "latin1"}))
      ->capture_default_str();
  command
      ->add_option("--charset", args->charset,
                   "Character set written: utf8 (ISO_IR 192), gb18030, iso2022-gb2312 (\\ISO 2022 IR 58), latin1")
      ->check(CLI::IsMember({"utf8", "gb18030", "iso2022-gb2312", "latin1"}))
      ->capture_default_str();
  auto* per_page =
      command->add_flag("--per-page", args->per_page, "One Secondary Capture instance per page of a multi-page input");
  command
      ->add_flag(
          "--multiframe", [args](std::int64_t) { args->per_page = false; },
          "One multi-frame instance per multi-page input (the default)")
      ->excludes(per_page);
  command
      ->add_option("--frames-per-instance", args->frames_per_instance,
                   "A source of more pages becomes several instances of at most this many frames, made and "
                   "sent one after another (memory holds one of them)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  command->add_flag("--also-pdf", args->also_pdf,
                    "A PDF input also becomes an Encapsulated PDF instance in the same study");
  command
      ->add_option("--office-workers", args->office_workers,
                   "Warm LibreOffice workers for .doc/.docx/.rtf/.odt/.txt/.html (default: one per core)")
      ->check(CLI::Range(1, 64));
  command
      ->add_option("--office-timeout", args->office_timeout,
                   "Seconds a document may take in LibreOffice before its worker is killed")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  command
      ->add_option("--max-document-mb", args->batch.max_document_mb,
                   "Largest an Office document may inflate to (MiB, every part of a .docx or .odt); larger "
                   "ones are refused before LibreOffice sees them")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 20))
      ->capture_default_str();
  command
      ->add_option("--max-document-xml-mb", args->batch.max_document_xml_mb,
                   "Largest a document's text (its XML, or an .rtf, .html or .doc) may be (MiB)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 20))
      ->capture_default_str();
  command->add_option("--dpi", args->dpi, "Resolution PDF pages are rendered at")
      ->check(CLI::Range(25.0, 1200.0))
      ->capture_default_str();
  command->add_option("--color", args->colour, "PDF pages: auto (grey when every page is grey), gray or rgb")
      ->check(CLI::IsMember({"auto", "gray", "rgb"}))
      ->capture_default_str();
  command->add_flag("--allow-missing-patient-id", args->allow_missing_patient_id,
                    "Convert inputs that have no PatientID (leaving it empty)");
  return [command, args] { return command->parsed() ? run_convert(*args) : -1; };
}

struct transcode_arguments {
  batch_arguments batch;
  std::string charset;
  std::string assume_charset;
};

int run_transcode(const transcode_arguments& args) {
  job::job_spec spec = spec_of(args.batch, "transcode");
  spec.recode_charset = args.charset;
  spec.assume_charset = args.assume_charset;
  return run_batch_command("transcode", spec, args.batch.output);
}

std::function<int()> add_transcode_command(CLI::App& app) {
  auto args = std::make_shared<transcode_arguments>();
  CLI::App* command = app.add_subcommand(
      "transcode", "Recompress existing DICOM files, keeping every other attribute (multi-frame stays multi-frame)");
  add_batch_options(*command, args->batch, "DICOM files or folders (searched recursively)");
  const auto sets = CLI::IsMember({"utf8", "gb18030", "iso2022-gb2312", "latin1"});
  command
      ->add_option("--charset", args->charset,
                   "Re-encode text into this set: utf8, gb18030, iso2022-gb2312, latin1 (default: keep as is)")
      ->check(sets);
  command
      ->add_option("--assume-charset", args->assume_charset,
                   "Read text as this set whatever the file declares (repairs GBK text labelled wrongly)")
      ->check(sets);
  return [command, args] { return command->parsed() ? run_transcode(*args) : -1; };
}

}  // namespace dcmflow::cli
