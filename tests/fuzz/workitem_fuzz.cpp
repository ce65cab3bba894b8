// libFuzzer target for what a UPS-RS server sends: workitems, search answers and event
// reports as DICOM JSON, read and then used the way `dcmflow ups` and `dcmflow work` use
// them (every accessor, the updates a performer builds from them). A server's bytes must
// never crash, hang or exhaust dcmflow, whatever their shape. (jobs/ is not in the fuzz
// build: the import request read from a workitem has its unit tests instead.)

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "worklist/performed_step.hpp"
#include "worklist/ups_client.hpp"

namespace {

void use(const dcmflow::worklist::workitem& item) {
  namespace tag = dcmflow::worklist::tag;
  (void)item.uid();
  (void)item.state();
  (void)item.text(tag::patient_name);
  (void)item.text(tag::procedure_step_progress);
  for (const auto* sequence : {tag::progress_information_sequence, tag::scheduled_workitem_code_sequence,
                               tag::output_destination_sequence, tag::scheduled_processing_parameters_sequence}) {
    for (const auto& each : item.items(sequence)) (void)dcmflow::worklist::text_in(each, tag::code_value);
  }
  for (const auto& each : item.items(tag::scheduled_workitem_code_sequence)) {
    (void)dcmflow::worklist::first_code(dcmflow::worklist::dataset{{"vr", "SQ"}, {"Value", {each}}});
  }
  const dcmflow::worklist::output_instance one{"1.2", "1.2.3", "1.2.4", "1.2.5", "PACS", ""};
  (void)dcmflow::worklist::json_text(dcmflow::worklist::completion_update(item, "FUZZ", "", {one}).attributes());
  (void)dcmflow::worklist::json_text(dcmflow::worklist::cancellation_update(item, "fuzz").attributes());
  (void)dcmflow::worklist::json_text(dcmflow::worklist::progress_update(item, 50, "fuzz").attributes());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto item = dcmflow::worklist::workitem::parse(text)) use(*item);
  if (auto event = dcmflow::worklist::parse_event(text)) use(event->attributes);
  const auto answer = dcmflow::worklist::parse_dicom_json(text);  // a search answer
  if (answer.is_array()) {
    for (const auto& each : answer) {
      if (each.is_object()) use(dcmflow::worklist::workitem(each));
    }
  }
  return 0;
}
