#include <gtest/gtest.h>

#include <tbb/global_control.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "graph/pipeline.hpp"
#include "raster/image_loader.hpp"

namespace dcmflow::graph {
namespace {

std::filesystem::path sample_images() {
  const char* folder = std::getenv("DCMFLOW_TEST_IMAGES");
  return folder != nullptr ? std::filesystem::path(folder) : std::filesystem::path();
}

class pipeline_test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { vips_ = new raster::vips_runtime("pipeline_test"); }
  static void TearDownTestSuite() {
    delete vips_;
    vips_ = nullptr;
  }
  void SetUp() override {
    if (sample_images().empty()) GTEST_SKIP() << "DCMFLOW_TEST_IMAGES is not set (run through ctest)";
    output_ = std::filesystem::temp_directory_path() /
              ("dcmflow-pipeline-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(output_);
  }
  void TearDown() override { std::filesystem::remove_all(output_); }

  [[nodiscard]] pipeline_options options() const {
    pipeline_options options;
    options.destinations = {std::make_shared<store::folder_destination>(output_)};
    options.attributes = {{{0x0010, 0x0020}, "PatientID", "LO", "P1"}};
    return options;
  }

  static raster::vips_runtime* vips_;
  std::filesystem::path output_;
};

raster::vips_runtime* pipeline_test::vips_ = nullptr;

// Every input reaches the end exactly once, whatever the limits: good ones converted,
// bad ones failed with a reason, none lost or repeated.
TEST_F(pipeline_test, every_item_finishes_exactly_once_under_tight_limits) {
  const std::filesystem::path folders[] = {sample_images()};
  std::vector<convert::input_file> inputs = convert::list_inputs(folders);
  convert::input_file missing;
  missing.path = sample_images() / "absent.png";
  missing.name = "absent.png";
  inputs.push_back(missing);
  const auto items = plan(inputs);
  ASSERT_GT(items.size(), 10U);

  const tbb::global_control two_threads(tbb::global_control::max_allowed_parallelism, 2);
  pipeline_options limited = options();
  limited.max_items_in_flight = 2;
  limited.max_bytes_in_flight = 1;  // every item alone in the decoding stages
  std::multiset<std::size_t> finished;
  std::size_t failed = 0;
  pipeline_hooks hooks;
  hooks.on_finished = [&](item_record& record, std::size_t index, bool skipped) -> result<void> {
    EXPECT_FALSE(skipped);
    EXPECT_EQ(record.input, items[index].input.name);
    finished.insert(index);
    if (record.status == item_status::failed) {
      EXPECT_FALSE(record.error.empty()) << record.input;
      EXPECT_TRUE(record.outputs.empty()) << record.input;
      ++failed;
    } else {
      EXPECT_FALSE(record.instances.empty()) << record.input;
    }
    return {};
  };
  ASSERT_TRUE(run_pipeline(items, limited, hooks));
  ASSERT_EQ(finished.size(), items.size());
  for (std::size_t index = 0; index < items.size(); ++index) EXPECT_EQ(finished.count(index), 1U) << index;
  EXPECT_GE(failed, 3U);  // the sample set's bad files and the missing one
  EXPECT_LT(failed, items.size());
}

TEST_F(pipeline_test, items_an_earlier_run_finished_are_skipped) {
  const std::filesystem::path files[] = {sample_images() / "grey8.png", sample_images() / "rgb.png"};
  const auto items = plan(convert::list_inputs(files));
  std::size_t skipped = 0;
  pipeline_hooks hooks;
  hooks.already_done = [](const std::string& key, const std::string& sha) {
    return key.ends_with("rgb.png") && sha.size() == 64;
  };
  hooks.on_finished = [&](item_record& record, std::size_t, bool was_skipped) -> result<void> {
    skipped += was_skipped ? 1 : 0;
    EXPECT_EQ(was_skipped, record.input.ends_with("rgb.png"));
    return {};
  };
  ASSERT_TRUE(run_pipeline(items, options(), hooks));
  EXPECT_EQ(skipped, 1U);
  EXPECT_TRUE(std::filesystem::exists(output_ / "grey8.dcm"));
  EXPECT_FALSE(std::filesystem::exists(output_ / "rgb.dcm"));
}

TEST_F(pipeline_test, a_sink_that_cannot_record_stops_the_run) {
  const std::filesystem::path folders[] = {sample_images()};
  const auto items = plan(convert::list_inputs(folders));
  std::size_t seen = 0;
  pipeline_hooks hooks;
  pipeline_options one_at_a_time = options();
  one_at_a_time.max_items_in_flight = 1;
  hooks.on_finished = [&](item_record&, std::size_t, bool) -> result<void> {
    ++seen;
    return failure{"disk full"};
  };
  const auto ran = run_pipeline(items, one_at_a_time, hooks);
  ASSERT_FALSE(ran);
  EXPECT_EQ(ran.error().message, "disk full");
  EXPECT_LT(seen, items.size());  // no new item starts once the journal failed
}

}  // namespace
}  // namespace dcmflow::graph
