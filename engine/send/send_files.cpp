#include "send/send_files.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>

#include "convert/output_naming.hpp"
#include "core/file_bytes.hpp"
#include "core/scratch.hpp"
#include "store/item_delivery.hpp"
#include "store/part10_identity.hpp"

namespace dcmflow::send {
namespace {

// Bytes of the files being sent: a sender waits for room before it takes a file's bytes
// (plain threads may block); with nothing in flight, any file goes.
class byte_budget {
 public:
  explicit byte_budget(std::uint64_t limit) : limit_(limit) {}
  void take(std::uint64_t bytes) {
    std::unique_lock lock(mutex_);
    room_.wait(lock, [&] { return in_flight_ == 0 || in_flight_ + bytes <= limit_; });
    in_flight_ += bytes;
  }
  void give_back(std::uint64_t bytes) {
    {
      const std::lock_guard lock(mutex_);
      in_flight_ -= bytes;
    }
    room_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable room_;
  std::uint64_t limit_;
  std::uint64_t in_flight_ = 0;
};

// Held while a file is sent; its bytes go back whatever happens.
class budget_share {
 public:
  budget_share(byte_budget& budget, std::uint64_t bytes) : budget_(budget), bytes_(bytes) { budget_.take(bytes_); }
  ~budget_share() { budget_.give_back(bytes_); }
  budget_share(const budget_share&) = delete;
  budget_share& operator=(const budget_share&) = delete;

 private:
  byte_budget& budget_;
  std::uint64_t bytes_;
};

// What the senders share: the list, where the next file is taken, and the records.
struct run_state {
  run_state(std::span<const convert::input_file> list, const send_options& given,
            const std::function<void(const item_record&)>& each)
      : inputs(list),
        names(convert::name_outputs(list)),
        options(given),
        scratch(run_scratch_folder("entries")),
        records(list.size()),
        on_each(each),
        budget(given.max_bytes_in_flight),
        bytes_needed(std::ranges::any_of(given.destinations, [](const auto& to) { return !to->reads_files(); })),
        gates(store::gates_for(given.destinations, given.outage_limit)) {}

  std::span<const convert::input_file> inputs;
  std::vector<std::filesystem::path> names;  // relative: a file's path under a folder destination
  const send_options& options;
  std::filesystem::path scratch;  // archive entries extracted while they are sent
  std::atomic<std::size_t> next{0};
  std::atomic<std::uint64_t> extracted{0};
  std::vector<item_record> records;
  std::mutex finished;  // on_each, never concurrently
  const std::function<void(const item_record&)>& on_each;
  byte_budget budget;
  const bool bytes_needed;  // a destination takes bytes, not files: each file is read whole
  std::vector<std::unique_ptr<store::outage_gate>> gates;  // one per destination
};

// The bytes to read: the input, or its archive entry extracted into `entry_folder`.
result<std::filesystem::path> local_file(const convert::input_file& input, const std::filesystem::path& entry_folder,
                                         run_state& run) {
  if (!input.problem.empty()) return failure{input.problem};
  if (input.entry.empty()) return input.path;
  const std::filesystem::path file = entry_folder / std::filesystem::path(input.entry).filename();
  std::error_code error;
  std::filesystem::create_directories(entry_folder, error);
  if (auto done = convert::extract_entry(input, file, run.options.archives, run.extracted); !done) return done.error();
  return file;
}

// A file to send: who it is, and its bytes unless every destination reads files.
result<store::outgoing_instance> outgoing_file(const std::filesystem::path& file, const std::filesystem::path& name,
                                               bool bytes_needed) {
  store::outgoing_instance object;
  object.name = name;
  object.file = file;
  if (bytes_needed) {
    auto bytes = read_file_bytes(file);
    if (!bytes) return bytes.error();
    object.part10 = std::move(bytes).value();
  }
  auto identity =
      object.part10.empty() ? store::read_part10_file_identity(file) : store::read_part10_identity(object.part10);
  if (!identity) return identity.error();
  object.sop_class_uid = std::move(identity->sop_class_uid);
  object.sop_instance_uid = std::move(identity->sop_instance_uid);
  object.transfer_syntax_uid = std::move(identity->transfer_syntax_uid);
  return object;
}

void fail(item_record& record, const failure& why) { record.error = why.message.empty() ? "failed" : why.message; }

// Reads one file and sends it to every destination (item_delivery.hpp: every destination is
// asked whatever the others answered); what became of it, in `record`.
void send_one(std::size_t index, run_state& run, item_record& record) {
  const std::filesystem::path entry_folder = run.scratch / std::to_string(index);
  auto file = local_file(run.inputs[index], entry_folder, run);
  if (!file) return fail(record, file.error());
  std::error_code unknown_size;  // then it is read whole and counted as nothing
  record.input_bytes = std::filesystem::file_size(*file, unknown_size);
  if (unknown_size) record.input_bytes = 0;
  const budget_share held(run.budget, record.input_bytes);
  auto object = outgoing_file(*file, run.names[index], run.bytes_needed);
  if (!object) return fail(record, object.error());
  if (run.options.decode_uncompressed) {
    object->uncompressed = [&decode = run.options.decode_uncompressed, path = *file] { return decode(path); };
  }
  instance_record sent;
  sent.sop_instance_uid = object->sop_instance_uid;
  sent.sop_class_uid = object->sop_class_uid;
  sent.transfer_syntax_uid = object->transfer_syntax_uid;
  sent.stored_bytes = record.input_bytes;
  sent.output = run.names[index];
  const result<store::outgoing_instance> same_for_all = std::move(object).value();
  store::item_delivery delivery;
  delivery.send(
      run.gates, [&same_for_all](std::size_t) -> const auto& { return same_for_all; }, sent, record.notes);
  record.instances.push_back(std::move(sent));
  record.status = delivery.status();
  if (const auto& why = delivery.why_not_stored()) return fail(record, failure{why->message});
  record.outputs.push_back(run.names[index]);
}

void sender(run_state& run) {
  for (std::size_t index = run.next++; index < run.inputs.size(); index = run.next++) {
    const auto started = std::chrono::steady_clock::now();
    item_record record;
    record.input = run.inputs[index].name;
    try {
      send_one(index, run, record);
    } catch (const std::exception& error) {  // a sender never dies with its file
      record.error = std::string("internal error: ") + error.what();
    } catch (...) {
      record.error = "internal error";
    }
    if (!record.error.empty() && record.status != item_status::pending) record.status = item_status::failed;
    record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::error_code ignored;
    if (!run.inputs[index].entry.empty()) std::filesystem::remove_all(run.scratch / std::to_string(index), ignored);
    const std::lock_guard lock(run.finished);
    if (run.on_each) run.on_each(record);
    run.records[index] = std::move(record);
  }
}

}  // namespace

std::vector<item_record> send_files(std::span<const convert::input_file> inputs, const send_options& options,
                                    const std::function<void(const item_record&)>& on_each) {
  run_state run(inputs, options, on_each);
  std::size_t senders = options.senders;
  for (const auto& destination : options.destinations) senders = std::max(senders, destination->concurrency());
  senders = std::clamp<std::size_t>(senders, 1, std::max<std::size_t>(1, inputs.size()));
  {
    std::vector<std::jthread> threads;
    try {
      for (std::size_t i = 1; i < senders; ++i) threads.emplace_back([&run] { sender(run); });
    } catch (const std::system_error&) {
      // No more threads to be had: the ones running (and this one) send everything.
    }
    sender(run);  // this thread is one of them
  }
  std::error_code ignored;
  std::filesystem::remove_all(run.scratch, ignored);
  return std::move(run.records);
}

}  // namespace dcmflow::send
