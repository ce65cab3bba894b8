#pragma once
// A job made ready to run. settings_of() turns any spec -- a job file's, or the one
// `convert` and `transcode` build from their command line -- into the engine's options;
// plan_job() adds what only `run` has: the shard's items in list order, and where the
// journal and reports go. Everything here fails before any pixel is touched, as a usage
// error.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "graph/pipeline.hpp"
#include "job/job_file.hpp"
#include "job/shard.hpp"
#include "manifest/manifest.hpp"

namespace dcmflow::job {

// The engine's options a spec asks for: codec (auto is chosen later, when the destinations
// are asked: automatic_codec.hpp), character sets, attributes and manifest, rasterising,
// the LibreOffice pool, limits, UIDs and destinations. Messages name settings as the spec's
// writer does; a job file's start with its name.
struct engine_settings {
  graph::pipeline_options options;
  std::shared_ptr<const manifest::manifest> manifest;  // null without one
};
[[nodiscard]] result<engine_settings> settings_of(const job_spec& spec);

struct job_plan {
  job_spec spec;
  graph::pipeline_options options;
  std::shared_ptr<const manifest::manifest> manifest;  // null without one
  std::vector<convert::input_file> listed;             // every input of the job, all shards
  std::vector<graph::planned_item> items;              // this shard's, in list order
  std::string suffix;                                  // ".shard-I-of-N", or empty for the whole job
  std::filesystem::path journal_file;                  // with the shard's suffix
  std::filesystem::path report_json;
  std::filesystem::path report_html;
};

// The journal of one shard of a job (`job.journal.shard-0-of-3.sqlite`), or of the whole job.
[[nodiscard]] std::filesystem::path journal_of(const job_spec& spec, const shard& part);

// Relative paths in `spec` start at its folder (job_spec::opened), wherever the process is.
[[nodiscard]] result<job_plan> plan_job(job_spec spec, const shard& part);

}  // namespace dcmflow::job
