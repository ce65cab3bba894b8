#include "isolate/helper_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "core/process_runtime.hpp"

extern char** environ;

namespace dcmflow::isolate {
namespace {

constexpr std::size_t max_kept_stderr = 4096;  // a flood of messages is cut, not kept

void close_fd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

std::string describe_status(int status) {
  if (WIFSIGNALED(status)) return "was killed by " + signal_name(WTERMSIG(status));
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "ended";
}

}  // namespace

std::string signal_name(int signal) {
  switch (signal) {
    case SIGABRT: return "SIGABRT";
    case SIGSEGV: return "SIGSEGV";
    case SIGFPE: return "SIGFPE";
    case SIGBUS: return "SIGBUS";
    case SIGILL: return "SIGILL";
    case SIGKILL: return "SIGKILL";
    case SIGXCPU: return "SIGXCPU";
    case SIGTERM: return "SIGTERM";
    case SIGPIPE: return "SIGPIPE";
    default: return "signal " + std::to_string(signal);
  }
}

result<void> helper_process::start(const std::filesystem::path& program, const std::vector<std::string>& arguments) {
  // A helper that died must not take us with it on the next write.
  if (!sigpipe_ignored()) {
    return failure{
        "internal error: SIGPIPE is not ignored; the program must set up its process runtime "
        "(core/process_runtime.hpp)"};
  }
  stop();
  std::array<int, 2> to_child{};
  std::array<int, 2> from_child{};
  std::array<int, 2> errors{};
  if (pipe2(to_child.data(), O_CLOEXEC) != 0) return failure{"cannot start " + program.string() + ": no pipes"};
  if (pipe2(from_child.data(), O_CLOEXEC) != 0) {
    close(to_child[0]);
    close(to_child[1]);
    return failure{"cannot start " + program.string() + ": no pipes"};
  }
  if (pipe2(errors.data(), O_CLOEXEC) != 0) {
    for (const int fd : {to_child[0], to_child[1], from_child[0], from_child[1]}) close(fd);
    return failure{"cannot start " + program.string() + ": no pipes"};
  }
  // Answers carry decoded pixels: a pipe of 1 MiB (Linux's default ceiling for a user; 64 KiB
  // otherwise) passes a CT slice in one go instead of 8 wake-ups on each side. Best effort.
  fcntl(from_child[0], F_SETPIPE_SZ, 1 << 20);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_child[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, errors[1], STDERR_FILENO);
  // Nothing else of ours: files other threads are writing (other patients' outputs) stay here.
  posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
  const std::string name = program.string();
  std::vector<std::string> words{name};
  words.insert(words.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  argv.reserve(words.size() + 1);
  for (auto& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, name.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(to_child[0]);
  close(from_child[1]);
  close(errors[1]);
  if (spawned != 0) {
    close(to_child[1]);
    close(from_child[0]);
    close(errors[0]);
    return failure{"cannot start " + name + ": " + std::strerror(spawned)};
  }
  pid_ = pid;
  to_helper_ = to_child[1];
  from_helper_ = from_child[0];
  helper_stderr_ = errors[0];
  fcntl(helper_stderr_, F_SETFL, fcntl(helper_stderr_, F_GETFL) | O_NONBLOCK);
  ended_status_ = -1;
  stderr_text_.clear();
  return {};
}

bool helper_process::running() {
  if (pid_ < 0 || ended_status_ >= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    ended_status_ = status;
    return false;
  }
  return true;
}

bool helper_process::write(std::span<const std::byte> bytes) {
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(to_helper_, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    written += static_cast<std::size_t>(n);
  }
  return true;
}

void helper_process::collect_stderr() {
  std::array<char, 4096> buffer{};
  // A bounded number of reads per call: a helper that never stops talking cannot keep us
  // from our deadline.
  for (int reads = 0; helper_stderr_ >= 0 && reads < 64; ++reads) {
    const ssize_t n = ::read(helper_stderr_, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) close_fd(helper_stderr_);
    if (n <= 0) return;
    const std::size_t room = max_kept_stderr - std::min(max_kept_stderr, stderr_text_.size());
    stderr_text_.append(buffer.data(), std::min(room, static_cast<std::size_t>(n)));
  }
}

helper_process::read_outcome helper_process::read(std::span<std::byte> into, deadline until) {
  std::size_t filled = 0;
  while (filled < into.size()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return read_outcome::timeout;
    std::array<pollfd, 2> watched{pollfd{from_helper_, POLLIN, 0}, pollfd{helper_stderr_, POLLIN, 0}};
    const int ready = poll(watched.data(), helper_stderr_ >= 0 ? 2 : 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return read_outcome::ended;
    if (ready == 0) return read_outcome::timeout;
    if (watched[1].revents != 0) collect_stderr();
    if (watched[0].revents == 0) continue;
    const ssize_t n = ::read(from_helper_, into.data() + filled, into.size() - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return read_outcome::ended;
    filled += static_cast<std::size_t>(n);
  }
  return read_outcome::ok;
}

std::vector<std::string> helper_process::take_messages() {
  collect_stderr();
  std::vector<std::string> lines;
  std::size_t at = 0;
  while (at < stderr_text_.size()) {
    std::size_t end = stderr_text_.find('\n', at);
    if (end == std::string::npos) end = stderr_text_.size();
    std::string line = stderr_text_.substr(at, end - at);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) lines.push_back(std::move(line));
    at = end + 1;
  }
  stderr_text_.clear();
  return lines;
}

std::string helper_process::stop() {
  std::string how;
  if (pid_ > 0) {
    int status = ended_status_;
    if (status < 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
    how = describe_status(status);
  }
  pid_ = -1;
  ended_status_ = -1;
  close_fd(to_helper_);
  close_fd(from_helper_);
  close_fd(helper_stderr_);
  return how;
}

}  // namespace dcmflow::isolate
