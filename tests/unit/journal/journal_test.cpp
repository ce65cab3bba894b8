#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <sqlite3.h>

#include "journal/journal.hpp"

#include "../temp_folder.hpp"

namespace dcmflow::journal {
namespace {

class journal_test : public testing::temp_folder_test {
 protected:
  journal_test() : temp_folder_test("dcmflow-journal-") {}

  [[nodiscard]] std::filesystem::path file() const { return folder_ / "sub" / "job.journal.sqlite"; }
};

item_record stored_item(const std::string& key, const std::string& sha, std::vector<std::string> uids) {
  item_record item;
  item.input = key;
  item.status = item_status::converted;
  item.content_sha256 = sha;
  item.input_bytes = 1234;
  item.notes = {"first note", "second note"};
  for (std::size_t i = 0; i < uids.size(); ++i) {
    item.instances.push_back({.sop_instance_uid = uids[i],
                              .sop_class_uid = "1.2.840.10008.5.1.4.1.1.7",
                              .study_instance_uid = "1.2.3",
                              .series_instance_uid = "1.2.3.4",
                              .transfer_syntax_uid = "1.2.840.10008.1.2.5",
                              .frames = 1,
                              .native_bytes = 100,
                              .stored_bytes = 40,
                              .output = key + "-" + std::to_string(i) + ".dcm",
                              .deliveries = {{"file://out", delivery_state::stored, {}}}});
  }
  return item;
}

TEST_F(journal_test, pending_items_become_stored_or_failed_and_survive_reopening) {
  {
    auto opened = journal::open(file());
    ASSERT_TRUE(opened) << opened.error().message;
    const std::vector<pending_item> pending = {{"a.png", 0}, {"b.png", 0}, {"c.png", 0}};
    ASSERT_TRUE(opened->add_pending(pending));
    auto run = opened->begin_run("test");
    ASSERT_TRUE(run);
    const std::vector<std::string> destinations = {"file://out"};
    ASSERT_TRUE(opened->record(stored_item("a.png", "aa", {"1.1", "1.2"}), *run));
    item_record failed;
    failed.input = "b.png";
    failed.status = item_status::failed;
    failed.error = "cannot read image: truncated";
    failed.content_sha256 = "bb";
    ASSERT_TRUE(opened->record(failed, *run));
  }
  auto reopened = journal::open(file());
  ASSERT_TRUE(reopened) << reopened.error().message;
  auto counts = reopened->counts();
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->at(item_status::converted), 1U);
  EXPECT_EQ(counts->at(item_status::failed), 1U);
  EXPECT_EQ(counts->at(item_status::pending), 1U);

  auto finished = reopened->finished_items();
  ASSERT_TRUE(finished);
  ASSERT_EQ(finished->size(), 2U);
  EXPECT_EQ(finished->at("a.png").state, item_status::converted);
  EXPECT_EQ(finished->at("a.png").content_sha256, "aa");
  EXPECT_EQ(finished->at("b.png").state, item_status::failed);

  auto items = reopened->items();
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 3U);
  const item_record& a = items->at(0);
  EXPECT_EQ(a.input, "a.png");
  EXPECT_EQ(a.status, item_status::converted);
  EXPECT_EQ(a.attempts, 1U);
  EXPECT_EQ(a.notes, (std::vector<std::string>{"first note", "second note"}));
  ASSERT_EQ(a.instances.size(), 2U);
  EXPECT_EQ(a.instances[1].sop_instance_uid, "1.2");
  EXPECT_EQ(a.instances[1].stored_bytes, 40U);
  EXPECT_EQ(items->at(1).error, "cannot read image: truncated");
  EXPECT_EQ(items->at(2).status, item_status::pending);
}

TEST_F(journal_test, recording_an_item_again_replaces_its_instances_and_counts_attempts) {
  auto opened = journal::open(file());
  ASSERT_TRUE(opened);
  auto run = opened->begin_run("test");
  ASSERT_TRUE(run);
  const std::vector<std::string> destinations = {"file://out", "file://mirror"};
  ASSERT_TRUE(opened->record(stored_item("a.png", "old", {"1.1", "1.2", "1.3"}), *run));
  ASSERT_TRUE(opened->record(stored_item("a.png", "new", {"2.1"}), *run));
  auto items = opened->items();
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 1U);
  EXPECT_EQ(items->front().attempts, 2U);
  EXPECT_EQ(items->front().content_sha256, "new");
  ASSERT_EQ(items->front().instances.size(), 1U);
  EXPECT_EQ(items->front().instances.front().sop_instance_uid, "2.1");
}

TEST_F(journal_test, a_file_that_is_not_a_journal_is_refused) {
  std::filesystem::create_directories(file().parent_path());
  {
    std::FILE* out = std::fopen(file().c_str(), "wb");
    ASSERT_NE(out, nullptr);
    std::fputs("this is not a database, only text that is long enough to look like a header of one", out);
    std::fclose(out);
  }
  auto opened = journal::open(file());
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().message.find(file().string()), std::string::npos);
}

TEST_F(journal_test, every_delivery_state_is_kept_by_name_and_the_schema_refuses_any_other) {
  auto opened = journal::open(file());
  ASSERT_TRUE(opened) << opened.error().message;
  ASSERT_TRUE(opened->add_pending(std::vector<pending_item>{{"a.png", 0}}));
  auto run = opened->begin_run("test");
  ASSERT_TRUE(run);
  std::vector<std::string> uids;
  for (std::size_t i = 0; i < delivery_state_names.size(); ++i) uids.push_back("1." + std::to_string(i));
  ASSERT_TRUE(opened->record(stored_item("a.png", "aa", uids), *run));
  for (std::size_t i = 0; i < delivery_state_names.size(); ++i) {
    const std::string one[] = {uids[i]};
    ASSERT_TRUE(opened->mark_deliveries("file://out", one, delivery_state_names[i].first, "why"));
  }
  auto delivered = opened->deliveries("file://out");
  ASSERT_TRUE(delivered) << delivered.error().message;
  ASSERT_EQ(delivered->size(), 1U);
  for (const auto& instance : delivered->front().instances) {
    const std::size_t i = std::stoul(instance.sop_instance_uid.substr(2));
    EXPECT_EQ(instance.state, delivery_state_names[i].first) << instance.sop_instance_uid;
  }
  EXPECT_EQ(state_name(delivery_state::commit_failed), "commit-failed");
  EXPECT_EQ(state_name(item_status::converted), "stored");

  // The names are the schema's: another writer's state is refused by the CHECK constraints,
  // not read back later as something else.
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(file().c_str(), &raw), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(raw, "UPDATE deliveries SET state = 'lost'", nullptr, nullptr, nullptr), SQLITE_CONSTRAINT);
  EXPECT_EQ(sqlite3_exec(raw, "UPDATE items SET state = 'converted'", nullptr, nullptr, nullptr), SQLITE_CONSTRAINT);
  EXPECT_EQ(sqlite3_exec(raw, "UPDATE deliveries SET state = 'verified'", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
}

}  // namespace
}  // namespace dcmflow::journal
