// The one file that wires the graph (graph/README.md draws it).

#include "graph/pipeline.hpp"

#include <tbb/flow_graph.h>
#include <tbb/info.h>
#include <tbb/task_arena.h>

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <tuple>

#include "convert/output_naming.hpp"
#include "core/scratch.hpp"
#include "graph/admission.hpp"
#include "graph/blocking_pool.hpp"
#include "graph/stages.hpp"
#include "office/office_pool.hpp"
#include "raster/image_loader.hpp"

namespace dcmflow::graph {
namespace {

namespace flow = tbb::flow;

using admission_input = flow::indexer_node<item_handle, std::uint64_t>;
using admission_node = flow::multifunction_node<admission_input::output_type, std::tuple<item_handle>>;
using finish_node = flow::multifunction_node<item_handle, std::tuple<flow::continue_msg, std::uint64_t>>;
using async_stage = flow::async_node<item_handle, item_handle>;  // blocking work on threads of its own
using next_part_node = flow::multifunction_node<item_handle, std::tuple<item_handle, item_handle>>;

// Which items get a report thumbnail: `wanted` of them, spread evenly over the list.
bool wants_thumbnail(std::size_t index, std::size_t total, std::size_t wanted) {
  if (wanted == 0 || total == 0) return false;
  const std::size_t stride = std::max<std::size_t>(1, total / wanted);
  return index % stride == 0 && index / stride < wanted;
}

// The serial end of the graph: completes the record, hands it on, gives back the item's
// limiter slot and admission bytes -- exactly once per item, whatever became of it.
class finish_stage {
 public:
  finish_stage(const pipeline_hooks& hooks, std::optional<failure>& fatal, std::atomic<bool>& stopping)
      : hooks_(hooks), fatal_(fatal), stopping_(stopping) {}

  void operator()(const item_handle& item, finish_node::output_ports_type& ports) const {
    work_item& each = *item;
    each.record.status = each.record.error.empty()    ? item_status::converted
                         : each.waits_for_destination ? item_status::pending
                                                      : item_status::failed;
    if (each.record.status != item_status::converted) {
      each.record.outputs.clear();  // a failed item's partial outputs are not its outputs
      // Instances that reached the destinations stay, with every destination's answer: what a
      // PACS holds, and what it refused, is journalled whatever became of the item.
      std::erase_if(each.record.instances, [](const instance_record& instance) { return instance.deliveries.empty(); });
    }
    each.record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - each.started).count();
    std::error_code ignored;
    if (!each.scratch.empty()) std::filesystem::remove_all(each.scratch, ignored);
    if (!each.converted_pdf.empty()) std::filesystem::remove(each.converted_pdf, ignored);
    if (hooks_.on_finished && !fatal_) {
      try {
        if (auto kept = hooks_.on_finished(each.record, each.index, each.skipped); !kept) fatal_ = kept.error();
      } catch (const std::exception& error) {
        fatal_ = failure{error.what()};
      }
      if (fatal_) stopping_ = true;  // the items already in flight still finish; no new ones start
    }
    // A destination was given up: the items not started stay pending, for the next run.
    if (each.waits_for_destination) stopping_ = true;
    if (each.admitted_bytes > 0) std::get<1>(ports).try_put(each.admitted_bytes);
    std::get<0>(ports).try_put(flow::continue_msg());
  }

 private:
  const pipeline_hooks& hooks_;
  std::optional<failure>& fatal_;  // written and read in this serial node only
  std::atomic<bool>& stopping_;
};

}  // namespace

std::vector<planned_item> plan(std::span<const convert::input_file> inputs) {
  const std::vector<std::filesystem::path> names = convert::name_outputs(inputs);
  std::vector<planned_item> planned;
  planned.reserve(inputs.size());
  for (std::size_t index = 0; index < inputs.size(); ++index) planned.push_back({inputs[index], names[index]});
  return planned;
}

result<void> run_pipeline(std::span<const planned_item> items, const pipeline_options& options,
                          const pipeline_hooks& hooks) {
  const auto threads = static_cast<std::size_t>(std::max(1, tbb::this_task_arena::max_concurrency()));
  std::size_t sender_threads = threads;
  for (const auto& destination : options.destinations) {
    sender_threads = std::max(sender_threads, destination->concurrency());
  }
  // By default, enough items to keep the workers and every sender busy.
  const std::size_t max_items =
      options.max_items_in_flight > 0 ? options.max_items_in_flight : std::max(4 * threads, 2 * sender_threads);
  remove_scratch_of_dead_runs();
  const std::filesystem::path scratch = run_scratch_folder("entries");
  std::atomic<std::uint64_t> extracted{0};
  std::optional<failure> fatal;
  std::optional<failure> admission_fatal;  // the admission node's own: nodes run concurrently
  std::atomic<bool> stopping{false};
  admission budget(options.max_bytes_in_flight);

  flow::graph g;
  std::size_t next = 0;
  flow::input_node<item_handle> enumerate(g, [&](tbb::flow_control& control) -> item_handle {
    if (next == items.size() || stopping || (hooks.stop_requested && hooks.stop_requested())) {
      control.stop();
      return {};
    }
    auto item = std::make_shared<work_item>();
    item->index = next;
    item->plan = &items[next];
    item->record.input = items[next].input.name;
    item->wants_thumbnail = wants_thumbnail(next, items.size(), options.thumbnails);
    item->started = std::chrono::steady_clock::now();
    ++next;
    return item;
  });
  flow::limiter_node<item_handle> in_flight(g, max_items);
  // CPU stages take as many items as there are threads; blocking I/O (LibreOffice, disk)
  // happens inside produce and store, whose items are already bounded by the limiter.
  flow::function_node<item_handle, item_handle> identify(g, flow::unlimited,
                                                         identify_stage(options, hooks, scratch, extracted));
  admission_input to_admission(g);
  admission_node admit(
      g, flow::serial, [&](const admission_input::output_type& message, admission_node::output_ports_type& ports) {
        const std::vector<item_handle> admitted = message.tag() == 0
                                                      ? budget.arrive(flow::cast_to<item_handle>(message))
                                                      : budget.release(flow::cast_to<std::uint64_t>(message));
        for (const auto& item : admitted) {
          if (hooks.on_admitted && item->active() && !admission_fatal) {
            if (auto marked = hooks.on_admitted(item->record); !marked) {
              admission_fatal = marked.error();
              stopping = true;
            }
          }
          std::get<0>(ports).try_put(item);
        }
      });
  // LibreOffice converts on threads of its own (one per worker), so the TBB threads render
  // pages meanwhile instead of waiting for it.
  blocking_pool office_threads(options.office ? options.office->workers() : 1);
  const office_stage office(options);
  async_stage to_pdf(g, flow::unlimited, [&](const item_handle& item, async_stage::gateway_type& gateway) {
    if (!office.wanted(*item)) {
      gateway.try_put(item);
      return;
    }
    gateway.reserve_wait();
    office_threads.submit([item, &gateway, &office] {
      gateway.try_put(office(item));
      gateway.release_wait();
    });
  });
  flow::function_node<item_handle, item_handle> produce(g, flow::unlimited, produce_stage(options));
  flow::function_node<item_handle, item_handle> tag(g, flow::unlimited, tag_stage(options));
  flow::function_node<item_handle, item_handle> compress(g, flow::unlimited, compress_stage(options));
  // Sending blocks (a PACS answers when it answers): it runs on threads of its own, as many
  // as the destinations have associations, and the item comes back through the gateway.
  // Senders (blocking I/O, off TBB's workers): as many as worker threads, or as a
  // destination's associations when that is more.
  blocking_pool senders(sender_threads);
  const auto gates = store::gates_for(options.destinations, options.outage_limit);
  const store_stage send(gates, options.destination_codecs);
  async_stage store(g, flow::unlimited, [&](const item_handle& item, async_stage::gateway_type& gateway) {
    gateway.reserve_wait();
    senders.submit([item, &gateway, &send] {
      gateway.try_put(send(item));
      gateway.release_wait();
    });
  });
  // A source with pages left goes back to produce for its next part; the rest finish.
  next_part_node next_part(g, flow::unlimited, [](const item_handle& item, next_part_node::output_ports_type& ports) {
    if (item->more_pages()) {
      // The part just sent is freed, but the heap keeps up to 1 GiB (M_TRIM_THRESHOLD, set
      // for throughput in main): given back here, a long document holds one part at a time
      // (bench/long_document.py), for one trim per part.
      malloc_trim(0);
      std::get<0>(ports).try_put(item);
    } else {
      std::get<1>(ports).try_put(item);
    }
  });
  finish_node finish(g, flow::serial, finish_stage(hooks, fatal, stopping));

  flow::make_edge(enumerate, in_flight);
  flow::make_edge(in_flight, identify);
  flow::make_edge(identify, flow::input_port<0>(to_admission));
  flow::make_edge(to_admission, admit);
  flow::make_edge(flow::output_port<0>(admit), to_pdf);
  flow::make_edge(to_pdf, produce);
  flow::make_edge(produce, tag);
  flow::make_edge(tag, compress);
  flow::make_edge(compress, store);
  flow::make_edge(store, next_part);
  flow::make_edge(flow::output_port<0>(next_part), produce);
  flow::make_edge(flow::output_port<1>(next_part), finish);
  flow::make_edge(flow::output_port<0>(finish), in_flight.decrementer());
  flow::make_edge(flow::output_port<1>(finish), flow::input_port<1>(to_admission));

  enumerate.activate();
  g.wait_for_all();  // the main thread is one of the threads making pixels
  std::error_code ignored;
  std::filesystem::remove_all(scratch, ignored);
  if (fatal) return *fatal;
  if (admission_fatal) return *admission_fatal;
  return {};
}

std::vector<item_record> run_to_records(std::span<const planned_item> items, const pipeline_options& options,
                                        const std::function<void(const item_record&)>& on_each) {
  std::vector<item_record> records(items.size());
  for (std::size_t index = 0; index < items.size(); ++index) {
    records[index].input = items[index].input.name;
    records[index].status = item_status::pending;  // until it finishes: the run may stop first
    records[index].error = "not started: the run stopped (a destination was given up)";
  }
  pipeline_hooks hooks;
  hooks.on_finished = [&](item_record& record, std::size_t index, bool) -> result<void> {
    if (on_each) on_each(record);
    records[index] = std::move(record);
    return {};
  };
  (void)run_pipeline(items, options, hooks);
  return records;
}

bool goes_through_office(const std::filesystem::path& file) {
  switch (office::office_document_evidence(file)) {
    case office::document_evidence::content: return true;
    case office::document_evidence::extension: return !raster::is_pdf(file) && !raster::is_image(file);
    case office::document_evidence::none: break;
  }
  return false;
}

}  // namespace dcmflow::graph
