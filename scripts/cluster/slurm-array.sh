#!/usr/bin/env bash
# One dcmflow job on N Slurm array tasks: task I runs shard I of N.
#
#   cd /shared/migration && sbatch /path/to/slurm-array.sh          # runs job.yaml here
#   sbatch /path/to/slurm-array.sh /shared/migration/other-job.yaml  # or name the job file
#   sbatch /path/to/slurm-array.sh job.yaml --retry-failed          # more options follow it
#   squeue -u "$USER"                                              # the array's tasks
#   dcmflow status /shared/migration/job.yaml --shard 2/4          # one shard's counts
#
# The job file, its inputs, its output folder and its journals must be on a file system
# every node mounts at the same path (items are split by a hash of their names as listed,
# relative to the job file). Each task writes its own journal, job.journal.shard-I-of-N.sqlite
# beside the job file, and its own report, report.shard-I-of-N.json/html.
#
# Submitting again resumes: stored items are skipped. To rerun only shard 2 of 4, keep
# N by passing it, since SLURM_ARRAY_TASK_COUNT would then be 1 (and --shard 2/1 refused):
#   sbatch --array=2 --export=ALL,SHARDS=4 /path/to/slurm-array.sh
# Keep N the same for the life of the job: with another N the items fall into other
# shards, whose new journals know nothing of them. See README.md here.
#
# N is the array's size: --array=0-(N-1), contiguous (no step like 0-7:2, no gaps).
# A throttle such as --array=0-15%4 (16 shards, 4 at a time) is fine.
#SBATCH --job-name=dcmflow
#SBATCH --array=0-3
#SBATCH --cpus-per-task=8
#SBATCH --mem=16G
#SBATCH --time=24:00:00
#SBATCH --output=dcmflow-%A_%a.log
set -euo pipefail

job_file="${1:-job.yaml}"                         # relative to the folder sbatch was run in
shards="${SHARDS:-${SLURM_ARRAY_TASK_COUNT}}"     # N
dcmflow="${DCMFLOW:-dcmflow}"                     # or the path of a build on the shared file system

# Exit codes reach sacct as the task's: 0 all stored; 1 some items failed (listed in the log
# and the report; submit again with --retry-failed once fixed); 2 bad job file; 3 fatal.
exec "$dcmflow" run "$job_file" \
  --shard "${SLURM_ARRAY_TASK_ID}/${shards}" \
  --threads "${SLURM_CPUS_PER_TASK:-8}" \
  --progress log \
  "${@:2}"
