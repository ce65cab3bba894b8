#include <dcmflow/codecs/untrusted.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <thread>

#include <dcmflow/codecs/codec_error.hpp>

namespace dcmflow::codecs {

std::error_code decode_untrusted(const decoder& decoder, std::span<const std::byte> fragment, const frame_info& frame,
                                 std::span<std::byte> pixels) {
  if (!decoder.syntax().aborts_on_corrupt_input) return decoder.decode(fragment, frame, pixels);
  if (pixels.size() < frame.bytes()) return codec_errc::geometry_mismatch;

  // The child decodes into memory shared with us, then exits: 0 decoded, 1 refused; a
  // library abort shows as a signal. fork() copies only this thread, and the decoder
  // needs no other: it allocates and returns.
  const std::size_t size = frame.bytes();
  void* shared = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) return codec_errc::library_failure;
  const pid_t child = fork();
  if (child == 0) {
    // Die as the library means to: the parent's crash handlers (a fuzzer's, a crash
    // reporter's) are not the child's business, and its assertion text is noise here.
    for (const int signal_number : {SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE}) std::signal(signal_number, SIG_DFL);
    const int quiet = open("/dev/null", O_WRONLY);
    if (quiet >= 0) dup2(quiet, STDERR_FILENO);
    const std::error_code error = decoder.decode(fragment, frame, std::span(static_cast<std::byte*>(shared), size));
    _exit(error ? 1 : 0);  // no atexit handlers: they belong to the parent
  }
  std::error_code result = codec_errc::library_failure;
  if (child > 0) {
    // A decoder that loops on corrupt data is ended: a few seconds, more for big frames.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5 + size / 10'000'000);
    int status = 0;
    pid_t waited = 0;
    while ((waited = waitpid(child, &status, WNOHANG)) == 0 || (waited < 0 && errno == EINTR)) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(child, SIGKILL);
        waitpid(child, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      std::memcpy(pixels.data(), shared, size);
      result = {};
    } else {
      result = codec_errc::corrupt_data;
    }
  }
  munmap(shared, size);
  return result;
}

}  // namespace dcmflow::codecs
