#include "worklist/workitem.hpp"

#include <gtest/gtest.h>

#include "worklist/performed_step.hpp"
#include "worklist/ups_client.hpp"

namespace dcmflow::worklist {
namespace {

TEST(Workitem, ParsesADatasetOrAnArrayOfOne) {
  auto single = workitem::parse(R"({"00741000": {"vr": "CS", "Value": ["SCHEDULED"]}})");
  ASSERT_TRUE(single) << single.error().message;
  EXPECT_EQ(single->state(), step_state::scheduled);
  auto array = workitem::parse(R"([{"00080018": {"vr": "UI", "Value": ["1.2.3"]}}])");
  ASSERT_TRUE(array);
  EXPECT_EQ(array->uid(), "1.2.3");
  EXPECT_FALSE(workitem::parse(R"([{}, {}])"));
  EXPECT_FALSE(workitem::parse(R"({"PatientName": "x"})"));  // not PS3.18 F.2 keys
  EXPECT_FALSE(workitem::parse("not json"));
}

TEST(Workitem, DeeplyNestedJsonFromAServerIsRefusedNotRecursedInto) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_TRUE(parse_dicom_json(deep).is_discarded());
  EXPECT_FALSE(workitem::parse(deep));
  EXPECT_FALSE(parse_dicom_json(std::string(20, '[') + std::string(20, ']')).is_discarded());
}

TEST(Workitem, OneLineBlanksControlCharacters) { EXPECT_EQ(one_line("ok\nFAKE: done\x1b[2J"), "ok FAKE: done [2J"); }

TEST(Workitem, AssignsKeywordsAndSequencePathsCheckedForTheirVr) {
  workitem item;
  ASSERT_TRUE(item.assign("PatientName=Doe^Jane"));
  EXPECT_EQ(item.attributes()["00100010"]["Value"][0]["Alphabetic"], "Doe^Jane");
  ASSERT_TRUE(item.assign("ScheduledWorkitemCodeSequence.CodeValue=DCMFLOW-IMPORT"));
  ASSERT_TRUE(item.assign("ScheduledWorkitemCodeSequence.CodingSchemeDesignator=99DCMFLOW"));
  const auto codes = item.items(tag::scheduled_workitem_code_sequence);
  ASSERT_EQ(codes.size(), 1U);
  EXPECT_EQ(text_in(codes[0], tag::code_value), "DCMFLOW-IMPORT");
  EXPECT_EQ(text_in(codes[0], tag::coding_scheme_designator), "99DCMFLOW");
  EXPECT_FALSE(item.assign("ScheduledProcedureStepStartDateTime=tomorrow"));
  EXPECT_FALSE(item.assign("NoSuchKeyword=1"));
  EXPECT_FALSE(item.assign("ScheduledWorkitemCodeSequence=x"));
  EXPECT_FALSE(item.assign("PatientName"));
}

TEST(Workitem, CreateNamesEveryMissingType1AttributeAndFillsType2) {
  workitem item;
  ASSERT_TRUE(item.assign("ProcedureStepLabel=Import"));
  auto refused = item.complete_for_create();
  ASSERT_FALSE(refused);
  for (const char* name :
       {"ScheduledProcedureStepPriority", "ScheduledProcedureStepStartDateTime", "InputReadinessState"}) {
    EXPECT_NE(refused.error().message.find(name), std::string::npos) << name;
  }
  EXPECT_EQ(refused.error().message.find("ProcedureStepLabel"), std::string::npos);
  ASSERT_TRUE(item.assign("ScheduledProcedureStepPriority=LOW"));
  ASSERT_TRUE(item.assign("ScheduledProcedureStepStartDateTime=20261204120000"));
  ASSERT_TRUE(item.assign("InputReadinessState=READY"));
  ASSERT_TRUE(item.complete_for_create());
  EXPECT_EQ(item.state(), step_state::scheduled);
  EXPECT_TRUE(item.has(tag::patient_name));  // Type 2: present, empty
  EXPECT_FALSE(item.attributes()[tag::patient_name].contains("Value"));
}

TEST(Workitem, ANewWorkitemIsScheduledAndHasNoTransaction) {
  workitem item;
  item.set_text(tag::procedure_step_state, "CS", "IN PROGRESS");
  EXPECT_FALSE(item.complete_for_create());
  workitem claimed;
  claimed.set_text(tag::transaction_uid, "UI", "1.2.3");
  EXPECT_FALSE(claimed.complete_for_create());
}

TEST(PerformedStep, CompletionGroupsOutputsBySeriesWithTheirRetrieval) {
  workitem current;
  current.set_items(tag::scheduled_workitem_code_sequence, {code_item({"DCMFLOW-IMPORT", "99DCMFLOW", "Import"})});
  const std::vector<output_instance> outputs = {{"1.2.840.10008.5.1.4.1.1.7", "1.1", "9", "9.1", "PACS", ""},
                                                {"1.2.840.10008.5.1.4.1.1.7", "1.2", "9", "9.1", "PACS", ""},
                                                {"1.2.840.10008.5.1.4.1.1.104.1", "2.1", "9", "9.2", "PACS", ""}};
  const workitem update = completion_update(current, "PERFORMER", "20261204120000+0000", outputs);
  const auto performed = update.items(tag::performed_procedure_sequence);
  ASSERT_EQ(performed.size(), 1U);
  const workitem step(performed[0]);
  EXPECT_EQ(step.text(tag::performed_procedure_step_start), "20261204120000+0000");
  EXPECT_FALSE(step.text(tag::performed_procedure_step_end).empty());
  EXPECT_EQ(first_code(step.attributes()[tag::performed_workitem_code_sequence])->value, "DCMFLOW-IMPORT");
  const auto series = step.items(tag::output_information_sequence);
  ASSERT_EQ(series.size(), 2U);
  EXPECT_EQ(workitem(series[0]).items(tag::referenced_sop_sequence).size(), 2U);
  EXPECT_EQ(workitem(series[1]).items(tag::referenced_sop_sequence).size(), 1U);
}

TEST(PerformedStep, ProgressAndCancellationKeepTheOtherValuesOfTheItem) {
  workitem current;
  current.set_items(tag::progress_information_sequence,
                    {{{"0074100A", text_element("UR", "tel:123")}}});  // a contact URI
  const workitem progress = progress_update(current, 40, "4 of 10");
  const auto item = progress.items(tag::progress_information_sequence).at(0);
  EXPECT_EQ(text_in(item, tag::procedure_step_progress), "40");
  EXPECT_EQ(text_in(item, "0074100A"), "tel:123");
  const workitem canceled = cancellation_update(
      workitem(
          dataset{{tag::progress_information_sequence, progress.attributes()[tag::progress_information_sequence]}}),
      "no source");
  const auto ended = canceled.items(tag::progress_information_sequence).at(0);
  EXPECT_EQ(text_in(ended, tag::reason_for_cancellation), "no source");
  EXPECT_FALSE(text_in(ended, tag::procedure_step_cancellation_datetime).empty());
  EXPECT_EQ(text_in(ended, tag::procedure_step_progress), "40");
}

TEST(UpsUrl, DialectsAndRequesterComeOutOfTheQuery) {
  auto standard = parse_ups_url("http://host:8042/ups-rs");
  ASSERT_TRUE(standard);
  EXPECT_EQ(standard->dialect, ups_dialect::standard);
  EXPECT_EQ(standard->where.root, "http://host:8042/ups-rs");
  auto dcm4chee = parse_ups_url("https://host/dcm4chee-arc/aets/DCM4CHEE/rs?dialect=dcm4chee&requester=ME&timeout_s=5");
  ASSERT_TRUE(dcm4chee) << dcm4chee.error().message;
  EXPECT_EQ(dcm4chee->dialect, ups_dialect::dcm4chee);
  EXPECT_EQ(dcm4chee->requester, "ME");
  EXPECT_EQ(dcm4chee->where.timeout_s, 5);
  EXPECT_FALSE(parse_ups_url("http://host/ups-rs?dialect=other"));
  EXPECT_FALSE(parse_ups_url("dicom://AE@host:104"));
  EXPECT_FALSE(parse_ups_url("http://host/ups-rs?requester=MUCH_TOO_LONG_AE_TITLE"));
}

TEST(UpsEvent, NeedsAKnownEventType) {
  auto event = parse_event(R"({"00001000": {"vr": "UI", "Value": ["1.2"]}, "00001002": {"vr": "US", "Value": [2]},
                              "00741238": {"vr": "LT", "Value": ["stop"]}})");
  ASSERT_TRUE(event) << event.error().message;
  EXPECT_EQ(event->type, ups_event_type::cancel_requested);
  EXPECT_EQ(event->workitem_uid, "1.2");
  EXPECT_EQ(event->attributes.text(tag::reason_for_cancellation), "stop");
  EXPECT_FALSE(parse_event(R"({"00001002": {"vr": "US", "Value": [9]}})"));
  EXPECT_FALSE(parse_event(R"({"00001000": {"vr": "UI", "Value": ["1.2"]}})"));
}

}  // namespace
}  // namespace dcmflow::worklist
