// dcmflow-decode-worker: decodes one file at a time for dcmflow -- DICOM datasets and their
// pixels (GDCM, OpenJPEG, CharLS...), images and PDF pages (libvips, poppler) -- so that a
// file that crashes, hangs or floods a library costs only its own item: this process dies,
// dcmflow says why, and starts another. Protocol: isolate/decode_protocol.hpp.
//
// Arguments: --memory BYTES (address space), --cpu SECONDS (per file), --document-bytes and
// --document-xml-bytes (office/document_inspection.hpp), --parent PID.

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <dcmflow/codecs/registry.hpp>

#include "core/helper_lifetime.hpp"
#include "core/process_runtime.hpp"
#include "dicom/dicom_reader.hpp"
#include "dicom/display.hpp"
#include "dicom/instance_parts.hpp"
#include "dicom/validation.hpp"
#include "isolate/decode_protocol.hpp"
#include "office/document_inspection.hpp"
#include "raster/image_loader.hpp"

#if defined(__SANITIZE_ADDRESS__)
// Under AddressSanitizer no address-space limit can be set (its shadow takes terabytes of
// it): its own ceilings stand in for allow_memory(). One allocation past 2 GiB returns null,
// as it would under the limit, and a helper past 3.5 GiB resident ends. The environment's
// ASAN_OPTIONS still override these.
extern "C" __attribute__((visibility("default"))) const char* __asan_default_options() {
  return "allocator_may_return_null=1:max_allocation_size_mb=2048:hard_rss_limit_mb=3584";
}
#endif

namespace {

using namespace dcmflow;
using namespace dcmflow::isolate;

int answers = -1;                         // the pipe to dcmflow; stdout itself goes to stderr (libraries print there)
office::document_limits document_limits;  // --document-bytes, --document-xml-bytes

bool write_all(std::span<const std::byte> bytes) {
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = write(answers, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    written += static_cast<std::size_t>(n);
  }
  return true;
}

bool read_all(std::span<std::byte> into) {
  std::size_t filled = 0;
  while (filled < into.size()) {
    const ssize_t n = read(STDIN_FILENO, into.data() + filled, into.size() - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    filled += static_cast<std::size_t>(n);
  }
  return true;
}

template <class T>
std::span<const std::byte> bytes_of(const T& value) {
  return std::as_bytes(std::span(&value, 1));
}

// One message; the payload is written from where it lies, never copied.
void send(message_kind kind, const std::string& header, const std::vector<std::span<const std::byte>>& payload = {}) {
  std::uint64_t payload_size = 0;
  for (const auto& part : payload) payload_size += part.size();
  const std::uint64_t header_size = header.size();
  bool sent = write_all(bytes_of(kind)) && write_all(bytes_of(header_size)) &&
              write_all(std::as_bytes(std::span(header))) && write_all(bytes_of(payload_size));
  for (const auto& part : payload) sent = sent && write_all(part);
  if (!sent) std::_Exit(0);  // dcmflow is gone
}

void step(const std::string& words) {
  wire_writer out;
  out.put_text(words);
  send(message_kind::step, out.bytes());
}

void fail(const failure& why) {
  wire_writer out;
  out.put<std::uint8_t>(0);
  out.put_text(why.message);
  send(message_kind::result, out.bytes());
}

// The address space one file may use: what its header says it decodes to, and the file
// itself, three times over (a library's buffer, ours, a conversion's), plus a working margin;
// never more than the helper's limit. A damaged codestream that makes a decoder allocate
// gigabytes for a 64x48 frame fails here, for lack of memory, instead of taking the machine's.
std::uint64_t memory_ceiling = 0;

std::uint64_t address_space_in_use() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t pages = 0;
  statm >> pages;
  return pages * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

void allow_memory(std::uint64_t expected_bytes) {
#if defined(__SANITIZE_ADDRESS__)
  (void)expected_bytes;  // AddressSanitizer reserves terabytes of address space for its shadow
#else
  constexpr std::uint64_t margin = 1ULL << 30;
  const std::uint64_t wanted = address_space_in_use() + margin + 3 * std::min(expected_bytes, memory_ceiling);
  const rlimit limit{std::min(wanted, memory_ceiling), memory_ceiling};
  setrlimit(RLIMIT_AS, &limit);
#endif
}

// What a request's file is expected to decode to, from its header (read here, in the helper).
std::uint64_t expected_bytes(const decode_request& request) {
  std::error_code error;
  const std::uint64_t file = std::filesystem::file_size(request.file, error);
  switch (request.what) {
    case operation::read_decoded:
    case operation::read_for_display: return file + dicom::declared_pixel_bytes(request.file);
    case operation::load_image: {
      auto probed = raster::probe_image(request.file, request.options);
      return file + (probed ? probed->decoded_bytes : 0);
    }
    case operation::inspect_document: return document_limits.max_xml_bytes;
    default: return file;
  }
}

void probe(const decode_request& request) {
  step(std::string("reading the image's header (libvips)"));
  auto probed = raster::probe_image(request.file, request.options);
  if (!probed) return fail(probed.error());
  wire_writer out;
  out.put<std::uint8_t>(1);
  out.put(probed->pages);
  out.put(probed->decoded_bytes);
  out.put(probed->document);
  send(message_kind::result, out.bytes());
}

void load(const decode_request& request) {
  step(raster::is_pdf(request.file) ? "rendering the PDF's pages (libvips, poppler)" : "decoding the image (libvips)");
  allow_memory(expected_bytes(request));
  auto images = raster::load_image(request.file, request.options);
  if (!images) return fail(images.error());
  wire_writer out;
  out.put<std::uint8_t>(1);
  out.put<std::uint64_t>(images->size());
  std::vector<std::span<const std::byte>> payload;
  for (const raster::raster& image : *images) {
    put_frame_info(out, image.frame);
    out.put(image.frame_count);
    out.put<std::uint64_t>(image.pixels.size());
    put_texts(out, image.notes);
    out.put_text(image.lossy_source_method);
    out.put(image.pixel_spacing_mm.has_value());
    out.put(image.pixel_spacing_mm.value_or(0.0));
    payload.emplace_back(image.pixels);
  }
  send(message_kind::result, out.bytes(), payload);
}

// "reading the DICOM file and decoding its pixels (GDCM, JPEG 2000 ... 1.2.840.10008.1.2.4.90)"
void step_into_dicom(const decode_request& request, const std::string& doing) {
  const std::string syntax = dicom::declared_transfer_syntax(request.file);
  std::string words = doing + " (GDCM";
  if (!syntax.empty()) {
    const std::string_view name = codecs::transfer_syntax_name(syntax);
    words += ", " + (name.empty() ? syntax : std::string(name) + " " + syntax);
  }
  step(words + ")");
}

void read_dicom(const decode_request& request) {
  step_into_dicom(request, "reading the DICOM file and decoding its pixels");
  allow_memory(expected_bytes(request));
  auto object = dicom::read_decoded(request.file);
  if (!object) return fail(object.error());
  auto parts = dicom::take_apart(std::move(object).value());
  if (!parts) return fail(parts.error());
  wire_writer out;
  out.put<std::uint8_t>(1);
  out.put_text(parts->dataset);
  out.put(parts->has_pixels);
  put_frame_info(out, parts->frame);
  out.put(parts->frame_count);
  out.put<std::uint64_t>(parts->native_pixels.size());
  put_texts(out, parts->notes);
  send(message_kind::result, out.bytes(), {parts->native_pixels});
}

void read_for_display(const decode_request& request) {
  step_into_dicom(request, "reading the DICOM file and decoding its pixels for display");
  allow_memory(expected_bytes(request));
  auto source = dicom::read_for_display(request.file);
  if (!source) return fail(source.error());
  wire_writer out;
  out.put<std::uint8_t>(1);
  put_frame_info(out, source->frame);
  out.put(source->frame_count);
  out.put<std::uint64_t>(source->pixels.size());
  out.put(source->rescale_slope);
  out.put(source->rescale_intercept);
  out.put(source->window_center.has_value());
  out.put(source->window_center.value_or(0.0));
  out.put(source->window_width.has_value());
  out.put(source->window_width.value_or(0.0));
  send(message_kind::result, out.bytes(), {source->pixels});
}

void validate(const decode_request& request) {
  step_into_dicom(request, "reading the DICOM file to validate it");
  allow_memory(expected_bytes(request));
  const dicom::validation_report report = dicom::validate_file(request.file);
  wire_writer out;
  out.put<std::uint8_t>(1);
  out.put_text(report.iod);
  out.put(report.readable);
  out.put<std::uint64_t>(report.problems.size());
  for (const auto& problem : report.problems) {
    out.put(problem.tag.group);
    out.put(problem.tag.element);
    out.put_text(problem.keyword);
    out.put_text(problem.message);
  }
  send(message_kind::result, out.bytes());
}

void inspect_document(const decode_request& request) {
  step("inspecting the document's package and links (libarchive)");
  allow_memory(expected_bytes(request));
  if (auto inspected = office::inspect_document(request.file, document_limits); !inspected) {
    return fail(inspected.error());
  }
  wire_writer out;
  out.put<std::uint8_t>(1);
  send(message_kind::result, out.bytes());
}

// Each file gets `seconds` of CPU from now: the soft limit moves on, SIGXCPU ends a file
// that spins.
void allow_cpu(std::uint64_t seconds) {
  rusage used{};
  getrusage(RUSAGE_SELF, &used);
  const auto spent = static_cast<rlim_t>(used.ru_utime.tv_sec + used.ru_stime.tv_sec);
  rlimit limit{};
  getrlimit(RLIMIT_CPU, &limit);
  limit.rlim_cur = spent + seconds;
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_cur > limit.rlim_max) limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_CPU, &limit);
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t memory = 8ULL << 30;
  std::uint64_t cpu_seconds = 600;
  long parent = 0;
  for (int index = 1; index + 1 < argc; index += 2) {
    const std::string_view name = argv[index];
    if (name == "--memory") memory = std::strtoull(argv[index + 1], nullptr, 10);
    if (name == "--cpu") cpu_seconds = std::strtoull(argv[index + 1], nullptr, 10);
    if (name == "--document-bytes") document_limits.max_expanded_bytes = std::strtoull(argv[index + 1], nullptr, 10);
    if (name == "--document-xml-bytes") document_limits.max_xml_bytes = std::strtoull(argv[index + 1], nullptr, 10);
    if (name == "--parent") parent = std::strtol(argv[index + 1], nullptr, 10);
  }
  if (!live_and_die_with(static_cast<pid_t>(parent))) return 1;
  keep_freed_heap(helper_heap);
  answers = dup(STDOUT_FILENO);
  dup2(STDERR_FILENO, STDOUT_FILENO);
  memory_ceiling = memory;
  allow_memory(0);
  const raster::vips_runtime vips(argv[0]);
  while (true) {
    std::uint64_t size = 0;
    if (!read_all(std::as_writable_bytes(std::span(&size, 1))) || size > (1U << 20)) return 0;
    std::string header(size, '\0');
    if (!read_all(std::as_writable_bytes(std::span(header)))) return 0;
    auto request = decode_request_header(header);
    if (!request) {
      fail(request.error());
      continue;
    }
    allow_cpu(cpu_seconds);
    allow_memory(0);  // headers are read within the margin; each operation then allows its file
    try {
      switch (request->what) {
        case operation::probe_image: probe(*request); break;
        case operation::load_image: load(*request); break;
        case operation::read_decoded: read_dicom(*request); break;
        case operation::read_for_display: read_for_display(*request); break;
        case operation::validate: validate(*request); break;
        case operation::inspect_document: inspect_document(*request); break;
        default: fail(failure{"unknown request"}); break;
      }
    } catch (const std::bad_alloc&) {
      // The file's allowance (allow_memory) is spent: what it declares is not what it holds.
      // A library unwound half-way is not trusted with the next file: this helper ends.
      fail(failure{"decoding needs more memory than this file's header accounts for (a damaged file?)"});
      return 0;
    } catch (const std::exception& error) {
      fail(failure{std::string("the decoder failed: ") + error.what()});
      return 0;
    }
  }
}
