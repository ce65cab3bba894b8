// libFuzzer target for the path real files take: Part 10 bytes -> dataset -> pixels, as
// dcmflow-decode-worker runs it for `transcode`, `run`, `preview` and `validate`: the
// header checks (value lengths, pixel description, fragments against the header), GDCM's
// parse, and each frame through codecs/' decoders (GDCM only for the syntaxes they do not
// cover). A crash, an out-of-bounds access or an allocation past the input's budget on
// this path is a bug of dcmflow or a library call it failed to guard.
//
// What the worker's own limits contain is contained here too, as the worker does it:
// - an assertion inside a library (Debian builds GDCM, OpenJPEG and OpenJPH with them on)
//   fails the input: __assert_fail jumps back here, as the worker's death fails the item.
//   Memory (and the open files) the jump skips are not freed, so this target runs without
//   leak detection (the ASan ctest run of the whole suite watches leaks on the same path),
//   and very long runs want a high `ulimit -n`;
// - pixels declared beyond 64 MiB and deflated datasets (whose inflated lengths GDCM
//   allocates) are left to the worker's address-space limit.

#include <sys/mman.h>
#include <unistd.h>

#include <csetjmp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "dicom/dicom_reader.hpp"
#include "dicom/display.hpp"
#include "dicom/instance_parts.hpp"
#include "dicom/validation.hpp"

namespace {

std::jmp_buf* library_assertion = nullptr;

}  // namespace

// Interposes glibc's: a library's failed assert() lands here instead of abort().
extern "C" [[noreturn]] void __assert_fail(const char* /*assertion*/, const char* /*file*/, unsigned int /*line*/,
                                           const char* /*function*/) noexcept {
  if (library_assertion != nullptr) std::longjmp(*library_assertion, 1);
  std::abort();
}

namespace {

// Larger declared pixels run in the worker under an address-space limit sized from the
// header (a pixel flood fails there as "out of memory"); here they would only measure the
// fuzzer's own malloc limit.
constexpr std::uint64_t pixel_budget = 64ULL << 20;

// The bytes as a file (the readers take paths, as the worker does), kept in memory.
class memory_file {
 public:
  memory_file(const std::uint8_t* data, std::size_t size) : fd_(memfd_create("part10", 0)) {
    std::size_t written = 0;
    while (fd_ >= 0 && written < size) {
      const ssize_t n = ::write(fd_, data + written, size - written);
      if (n <= 0) break;
      written += static_cast<std::size_t>(n);
    }
  }
  ~memory_file() {
    if (fd_ >= 0) ::close(fd_);
  }
  memory_file(const memory_file&) = delete;
  memory_file& operator=(const memory_file&) = delete;
  [[nodiscard]] bool ok() const { return fd_ >= 0; }
  [[nodiscard]] std::filesystem::path path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace dicom = dcmflow::dicom;
  const memory_file file(data, size);  // not changed past setjmp: valid after the jump
  if (!file.ok()) return 0;
  if (dicom::declared_transfer_syntax(file.path()) == "1.2.840.10008.1.2.1.99") return 0;
  std::jmp_buf back;
  library_assertion = &back;
  if (setjmp(back) == 0) {
    if (dicom::declared_pixel_bytes(file.path()) <= pixel_budget) {
      if (auto object = dicom::read_decoded(file.path())) (void)dicom::take_apart(std::move(object).value());
      (void)dicom::read_for_display(file.path());
      (void)dicom::validate_file(file.path());
    }
  }
  library_assertion = nullptr;
  return 0;
}
