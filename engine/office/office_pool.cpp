#include "office/office_pool.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/process_runtime.hpp"
#include "core/program_location.hpp"
#include "core/scratch.hpp"
#include "office/rendering_environment.hpp"

extern char** environ;

namespace dcmflow::office {
namespace {

std::filesystem::path default_worker_program() {
  auto beside = beside_this_program("dcmflow-office-worker");
  return beside ? *beside : std::filesystem::path("./dcmflow-office-worker");  // starting it names the problem
}

// $XDG_CACHE_HOME/dcmflow/libreoffice, else ~/.cache/dcmflow/libreoffice; empty if neither.
std::filesystem::path user_profiles() {
  const char* cache = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  if (cache != nullptr && *cache == '/') return std::filesystem::path(cache) / "dcmflow" / "libreoffice";
  if (home != nullptr && *home == '/') return std::filesystem::path(home) / ".cache" / "dcmflow" / "libreoffice";
  return {};
}

void close_fd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

bool write_all(int fd, const std::string& text) {
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    written += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

bool is_office_document(const std::filesystem::path& file) {
  std::string extension = file.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static constexpr std::array<std::string_view, 8> office = {".doc", ".docx", ".rtf", ".odt",
                                                             ".txt", ".html", ".htm", ".wpd"};
  return std::find(office.begin(), office.end(), extension) != office.end();
}

document_evidence office_document_evidence(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string head(512, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  const auto starts = [&](std::string_view magic) { return head.starts_with(magic); };
  const bool ooxml_or_odf =
      starts("PK\x03\x04") && (head.find("[Content_Types].xml") != std::string::npos ||
                               head.find("mimetypeapplication/vnd.oasis.opendocument") != std::string::npos);
  if (ooxml_or_odf || starts("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") || starts("{\\rtf") || starts("\xFFWPC")) {
    return document_evidence::content;
  }
  return is_office_document(file) ? document_evidence::extension : document_evidence::none;
}

namespace {

// The environment with one variable set (added, or replacing the inherited one).
std::vector<std::string> with_variable(char** inherited, const std::string& name, const std::string& value) {
  std::vector<std::string> out;
  for (char** each = inherited; each != nullptr && *each != nullptr; ++each) {
    if (!std::string_view(*each).starts_with(name + "=")) out.emplace_back(*each);
  }
  out.push_back(name + "=" + value);
  return out;
}

}  // namespace

office_pool::office_pool(pool_options options) : options_(std::move(options)) {
  if (options_.workers == 0) options_.workers = std::max(1U, std::thread::hardware_concurrency());
  if (options_.worker_program.empty()) options_.worker_program = default_worker_program();
  if (options_.profiles.empty()) options_.profiles = user_profiles();
  remove_scratch_of_dead_runs();
  scratch_ = run_scratch_folder("");
  std::filesystem::create_directories(scratch_);
  // LibreOffice's own temporary folders (lu*.tmp) go into ours, removed with it.
  worker_environment_ = with_variable(environ, "TMPDIR", scratch_.string());
  workers_.resize(options_.workers);
  free_ = std::make_unique<slots>(options_.workers);
}

office_pool::~office_pool() {
  for (worker& w : workers_) {
    stop(w);
    close_fd(w.profile_lock);
  }
  std::error_code ignored;
  std::filesystem::remove_all(scratch_, ignored);
}

result<void> office_pool::start(worker& w) {
  // A worker that died must not take us with it on the next write.
  if (!sigpipe_ignored()) {
    return failure{
        "internal error: SIGPIPE is not ignored; the program must set up its process runtime "
        "(core/process_runtime.hpp)"};
  }
  std::call_once(fonts_settled_, settle_font_cache);
  std::array<int, 2> to_child{};
  std::array<int, 2> from_child{};
  if (pipe2(to_child.data(), O_CLOEXEC) != 0 || pipe2(from_child.data(), O_CLOEXEC) != 0) {
    return failure{"cannot start LibreOffice: no pipes"};
  }
  claim_profile(w);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_child[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);  // LibreOffice chatter
  posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);                // none of our other files
  std::string program = options_.worker_program.string();  // posix_spawn takes char*: our own copies
  std::string profile = w.profile.string();
  std::string parent = std::to_string(getpid());
  std::array<char*, 4> argv = {program.data(), profile.data(), parent.data(), nullptr};
  pid_t pid = -1;
  std::vector<char*> environment;
  for (auto& variable : worker_environment_) environment.push_back(variable.data());
  environment.push_back(nullptr);
  const int spawned = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environment.data());
  posix_spawn_file_actions_destroy(&actions);
  close(to_child[0]);
  close(from_child[1]);
  if (spawned != 0) {
    close(to_child[1]);
    close(from_child[0]);
    return failure{"cannot start " + program};
  }
  w.pid = pid;
  w.to_worker = to_child[1];
  w.from_worker = from_child[0];
  w.pending.clear();
  // LibreOffice's start is the slow part, once per worker.
  auto ready = read_line(w, std::chrono::steady_clock::now() + std::chrono::seconds(120));
  if (!ready || ready.value() != "ready") {
    stop(w);
    w.fresh_profile_needed = true;
    return failure{"LibreOffice did not start" + (ready ? ": " + ready.value() : std::string())};
  }
  return {};
}

// The first kept profile no other dcmflow holds; a profile of this run's scratch folder when
// none can be kept (no cache folder, or every one taken).
void office_pool::claim_profile(worker& w) {
  std::error_code error;
  if (w.profile_lock < 0 && !options_.profiles.empty()) {
    std::filesystem::create_directories(options_.profiles, error);
    for (int number = 0; !error && number < 64 && w.profile_lock < 0; ++number) {
      const auto candidate = options_.profiles / ("profile-" + std::to_string(number));
      const int lock = open((candidate.string() + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
      if (lock < 0) break;
      if (flock(lock, LOCK_EX | LOCK_NB) == 0) {
        w.profile_lock = lock;
        w.profile = candidate;
      } else {
        close(lock);
      }
    }
  }
  if (w.profile_lock < 0) {
    w.profile = scratch_ / ("profile-" + std::to_string(&w - workers_.data()));
  }
  if (w.fresh_profile_needed) std::filesystem::remove_all(w.profile, error);
  w.fresh_profile_needed = false;
  std::filesystem::create_directories(w.profile, error);
}

void office_pool::stop(worker& w) {
  if (w.pid > 0) {
    kill(w.pid, SIGKILL);
    waitpid(w.pid, nullptr, 0);
  }
  w.pid = -1;
  close_fd(w.to_worker);
  close_fd(w.from_worker);
}

result<std::string> office_pool::read_line(worker& w, std::chrono::steady_clock::time_point deadline) {
  while (true) {
    if (const auto end = w.pending.find('\n'); end != std::string::npos) {
      std::string line = w.pending.substr(0, end);
      w.pending.erase(0, end + 1);
      return line;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return failure{"timeout"};
    pollfd readable{w.from_worker, POLLIN, 0};
    const int ready = poll(&readable, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return failure{"timeout"};
    char buffer[4096];
    const ssize_t n = read(w.from_worker, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return failure{"ended"};
    w.pending.append(buffer, static_cast<std::size_t>(n));
  }
}

result<void> office_pool::to_pdf(const std::filesystem::path& document, const std::filesystem::path& pdf) {
  const std::string input = std::filesystem::absolute(document).string();
  if (input.find_first_of("\t\n") != std::string::npos) return failure{"cannot convert: a tab or newline in the path"};
  const slots::lease lent = free_->lend();
  worker& w = workers_[lent.index()];
  result<void> outcome;
  // A crash may be the worker's, not the document's (a profile left damaged by a run that
  // was killed): the document is tried once more in a fresh worker and profile before it
  // is failed. A document that hangs is not tried twice (each try costs the timeout).
  for (int attempt = 1; attempt <= 2; ++attempt) {
    outcome = {};
    if (w.pid < 0) outcome = start(w);
    if (!outcome) break;
    const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
    auto answer = write_all(w.to_worker, input + "\t" + pdf.string() + "\n") ? read_line(w, deadline)
                                                                             : result<std::string>(failure{"ended"});
    if (answer) {
      if (answer.value() != "ok") {
        const std::string& reply = answer.value();
        outcome = failure{reply.rfind("error ", 0) == 0 ? reply.substr(6) : "unexpected reply from LibreOffice"};
      }
      break;
    }
    // Hung or crashed: the worker starts afresh, in a new profile.
    stop(w);
    w.fresh_profile_needed = true;
    if (answer.error().message == "timeout") {
      outcome = failure{"LibreOffice did not finish in " + std::to_string(options_.timeout.count()) +
                        " s (its worker was restarted)"};
      break;
    }
    outcome = failure{attempt == 1 ? std::string("LibreOffice crashed on this document (its worker was restarted)")
                                   : std::string("LibreOffice crashed on this document twice, in a fresh worker "
                                                 "and profile the second time")};
  }
  return outcome;
}

}  // namespace dcmflow::office
