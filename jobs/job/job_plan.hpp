#pragma once
// A job file made ready to run: the engine's options (codec, manifest lookup, office pool,
// destinations), the shard's items in list order, and where the journal and reports go.
// Everything here fails before any pixel is touched, as a usage error.

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "graph/pipeline.hpp"
#include "isolate/contained_decoder.hpp"
#include "job/job_file.hpp"
#include "job/shard.hpp"
#include "manifest/manifest.hpp"

namespace dcmflow::job {

struct job_plan {
  job_spec spec;
  graph::pipeline_options options;
  std::shared_ptr<const manifest::manifest> manifest;  // null without one
  std::vector<convert::input_file> listed;              // every input of the job, all shards
  std::vector<graph::planned_item> items;               // this shard's, in list order
  std::string suffix;                                   // ".shard-I-of-N", or empty for the whole job
  std::filesystem::path journal_file;                   // with the shard's suffix
  std::filesystem::path report_json;
  std::filesystem::path report_html;
};

// The journal of one shard of a job (`job.journal.shard-0-of-3.sqlite`), or of the whole job.
[[nodiscard]] std::filesystem::path journal_of(const job_spec& spec, const shard& part);

// Paths in `spec` are taken relative to the current folder (the caller moves there first).
[[nodiscard]] result<job_plan> plan_job(job_spec spec, const shard& part);

// The decode helpers' limits from a job file's or a command line's settings, which name
// them alike (decode_memory_mb, decode_timeout_s, max_document_mb, max_document_xml_mb,
// threads: one helper per thread).
template <class Settings>
[[nodiscard]] isolate::decode_limits decode_limits_of(const Settings& settings) {
  return {.memory_bytes = settings.decode_memory_mb << 20,
          .time = std::chrono::seconds(settings.decode_timeout_s),
          .documents = {.max_expanded_bytes = settings.max_document_mb << 20,
                        .max_xml_bytes = settings.max_document_xml_mb << 20},
          .helpers = settings.threads > 0 ? static_cast<std::size_t>(settings.threads) : 0,
          .program = {}};
}

}  // namespace dcmflow::job
