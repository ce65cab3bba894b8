// The pool's promises on the real LibreOffice worker, and -- since no real document hangs
// or crashes LibreOffice on demand -- its timeout and crash handling on stand-in workers
// that hang or die exactly like one would.

#include "office/office_pool.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

namespace dcmflow::office {
namespace {

class office_pool_test : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = std::filesystem::temp_directory_path() / ("office_pool_test_" + std::to_string(getpid()));
    std::filesystem::create_directories(folder_);
  }
  void TearDown() override { std::filesystem::remove_all(folder_); }

  std::filesystem::path script(const std::string& name, const std::string& body) {
    auto path = folder_ / name;
    std::ofstream(path) << "#!/bin/sh\n" << body;
    chmod(path.c_str(), 0755);
    return path;
  }

  std::filesystem::path folder_;
};

TEST_F(office_pool_test, real_worker_turns_a_text_file_into_a_pdf) {
  const auto text = folder_ / "note.txt";
  std::ofstream(text) << "Radiology report\nNo acute findings.\n";
  office_pool pool({.workers = 1,
                    .timeout = std::chrono::seconds(120),
                    .worker_program = DCMFLOW_OFFICE_WORKER,
                    .profiles = folder_ / "profiles"});
  const auto pdf = pool.scratch_folder() / "note.pdf";
  auto done = pool.to_pdf(text, pdf);
  ASSERT_TRUE(done) << done.error().message;
  std::ifstream in(pdf, std::ios::binary);
  std::string magic(4, '\0');
  in.read(magic.data(), 4);
  EXPECT_EQ(magic, "%PDF");
}

// The second wall behind office/document_inspection.hpp: the workers' LibreOffice never
// loads what a document links to. With LibreOffice's default, this page shows the host's
// picture.
TEST_F(office_pool_test, real_worker_never_loads_a_linked_picture) {
  const auto html = folder_ / "linked.html";
  std::ofstream(html) << "<html><body><p>Report</p><img src=\"file:///usr/share/pixmaps/debian-logo.png\" "
                         "width=\"300\" height=\"300\"></body></html>\n";
  ASSERT_TRUE(std::filesystem::exists("/usr/share/pixmaps/debian-logo.png"));
  office_pool pool({.workers = 1,
                    .timeout = std::chrono::seconds(120),
                    .worker_program = DCMFLOW_OFFICE_WORKER,
                    .profiles = folder_ / "profiles"});
  const auto pdf = pool.scratch_folder() / "linked.pdf";
  auto done = pool.to_pdf(html, pdf);
  ASSERT_TRUE(done) << done.error().message;
  std::ifstream in(pdf, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(bytes.starts_with("%PDF"));
  EXPECT_EQ(bytes.find("/Subtype/Image"), std::string::npos);
}

TEST_F(office_pool_test, a_document_that_hangs_is_killed_after_the_timeout_and_the_worker_restarts) {
  // Stands for LibreOffice stuck on a document: ready, then never answers.
  const auto hanging = script("hang.sh", "echo ready\nwhile read line; do sleep 60; done\n");
  office_pool pool(
      {.workers = 1, .timeout = std::chrono::seconds(1), .worker_program = hanging, .profiles = folder_ / "profiles"});
  for (int attempt = 0; attempt < 2; ++attempt) {  // the second one gets a fresh worker
    auto done = pool.to_pdf(folder_ / "a.doc", folder_ / "a.pdf");
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().message, "LibreOffice did not finish in 1 s (its worker was restarted)");
  }
}

TEST_F(office_pool_test, a_worker_that_crashed_once_gets_the_document_again_in_a_fresh_profile) {
  // Stands for a worker dying for its own reasons (a profile damaged by a killed run): the
  // first request kills it, the fresh worker answers (the marker file tells the two apart).
  const auto marker = folder_ / "crashed-once";
  const auto crashing =
      script("crash.sh", "echo ready\nread line\nif [ ! -e " + marker.string() + " ]; then touch " + marker.string() +
                             "; exit 1; fi\necho ok\nwhile read line; do echo ok; done\n");
  office_pool pool({.workers = 1,
                    .timeout = std::chrono::seconds(10),
                    .worker_program = crashing,
                    .profiles = folder_ / "profiles"});
  EXPECT_TRUE(pool.to_pdf(folder_ / "a.doc", folder_ / "a.pdf"));
  EXPECT_TRUE(std::filesystem::exists(marker));  // it did crash once
}

TEST_F(office_pool_test, a_document_that_crashes_twice_fails_alone) {
  // Stands for LibreOffice dying on one document whatever the worker: a request naming
  // "bad" kills it every time.
  const auto crashing =
      script("crash-bad.sh", "echo ready\nwhile read line; do case \"$line\" in *bad*) exit 1;; esac; echo ok; done\n");
  office_pool pool({.workers = 1,
                    .timeout = std::chrono::seconds(10),
                    .worker_program = crashing,
                    .profiles = folder_ / "profiles"});
  auto bad = pool.to_pdf(folder_ / "bad.doc", folder_ / "bad.pdf");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "LibreOffice crashed on this document twice, in a fresh worker and profile the second time");
  EXPECT_TRUE(pool.to_pdf(folder_ / "good.doc", folder_ / "good.pdf"));
}

TEST_F(office_pool_test, refusals_of_libreoffice_are_passed_on) {
  const auto refusing =
      script("refuse.sh", "echo ready\nwhile read line; do echo 'error cannot open the document: x'; done\n");
  office_pool pool({.workers = 1,
                    .timeout = std::chrono::seconds(10),
                    .worker_program = refusing,
                    .profiles = folder_ / "profiles"});
  auto done = pool.to_pdf(folder_ / "a.doc", folder_ / "a.pdf");
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().message, "cannot open the document: x");
}

TEST_F(office_pool_test, profiles_are_kept_between_runs_and_never_shared_by_two_at_once) {
  const auto answering = script("answer.sh", "touch \"$1/made-here\"\necho ready\nwhile read line; do echo ok; done\n");
  const pool_options options{
      .workers = 1, .timeout = std::chrono::seconds(10), .worker_program = answering, .profiles = folder_ / "profiles"};
  std::filesystem::path first;
  {
    office_pool one(options);
    ASSERT_TRUE(one.to_pdf(folder_ / "a.doc", folder_ / "a.pdf"));
    first = one.profile(0);
    EXPECT_EQ(first.parent_path(), folder_ / "profiles");
    office_pool meanwhile(options);  // another run at the same time takes another profile
    ASSERT_TRUE(meanwhile.to_pdf(folder_ / "b.doc", folder_ / "b.pdf"));
    EXPECT_NE(meanwhile.profile(0), first);
  }
  office_pool later(options);  // the next run finds the first profile as it was left
  ASSERT_TRUE(later.to_pdf(folder_ / "c.doc", folder_ / "c.pdf"));
  EXPECT_EQ(later.profile(0), first);
  EXPECT_TRUE(std::filesystem::exists(first / "made-here"));
}

TEST_F(office_pool_test, a_crashed_workers_profile_is_made_afresh) {
  // The first worker leaves a mark in its profile and dies; the restarted one refuses to
  // work in a profile that still has the mark.
  const auto marker = folder_ / "crashed-once";
  const auto crashing =
      script("crash-mark.sh",
             "if [ -e \"$1/left-by-crashed\" ]; then echo ready; read line; echo 'error profile kept'; exit 0; fi\n"
             "if [ ! -e " +
                 marker.string() + " ]; then touch " + marker.string() +
                 " \"$1/left-by-crashed\"; echo ready; read line; exit 1; fi\n"
                 "echo ready\nwhile read line; do echo ok; done\n");
  office_pool pool({.workers = 1,
                    .timeout = std::chrono::seconds(10),
                    .worker_program = crashing,
                    .profiles = folder_ / "profiles"});
  // The document is tried again at once, by a worker in a new profile (a kept one would
  // answer "profile kept").
  auto again = pool.to_pdf(folder_ / "bad.doc", folder_ / "bad.pdf");
  EXPECT_TRUE(again) << again.error().message;
  auto next = pool.to_pdf(folder_ / "good.doc", folder_ / "good.pdf");
  EXPECT_TRUE(next) << next.error().message;
}

TEST(office_documents, are_recognised_by_extension) {
  EXPECT_TRUE(is_office_document("a/report.DOCX"));
  EXPECT_TRUE(is_office_document("x.rtf"));
  EXPECT_TRUE(is_office_document("notes.txt"));
  EXPECT_FALSE(is_office_document("scan.pdf"));
  EXPECT_FALSE(is_office_document("photo.jpg"));
}

}  // namespace
}  // namespace dcmflow::office
