#include "isolate/contained_decoder.hpp"

#include <unistd.h>

#include <algorithm>
#include <string>
#include <thread>

#include "core/program_location.hpp"
#include "dicom/instance_parts.hpp"

namespace dcmflow::isolate {
namespace {

// A result's header: a few numbers, or a dataset without its pixels.
constexpr std::uint64_t max_header_bytes = 256ULL << 20;
constexpr std::size_t max_reason_bytes = 2000;
constexpr std::size_t max_messages_kept = 5;

std::filesystem::path default_program() {
  auto beside = beside_this_program("dcmflow-decode-worker");
  return beside ? *beside : std::filesystem::path("./dcmflow-decode-worker");  // starting it names the problem
}

// "the decoder said: ..." lines: the first few, each cut to a sentence's length.
std::vector<std::string> as_notes(const std::vector<std::string>& messages) {
  std::vector<std::string> notes;
  for (const auto& message : messages) {
    if (notes.size() == max_messages_kept) break;
    notes.push_back("the decoder said: " + message.substr(0, 200));
  }
  return notes;
}

failure with_messages(failure why, const std::vector<std::string>& messages) {
  const auto notes = as_notes(messages);
  for (std::size_t index = 0; index < notes.size(); ++index) why.message += (index == 0 ? " (" : "; ") + notes[index];
  if (!notes.empty()) why.message += ")";
  return why;
}

}  // namespace

// The payload of the answer being read: pixels go straight into their buffers.
class contained_decoder::payload {
 public:
  payload(helper_process& helper, helper_process::deadline until, std::uint64_t size)
      : helper_(helper), until_(until), left_(size) {}
  [[nodiscard]] std::uint64_t left() const { return left_; }
  [[nodiscard]] helper_process::read_outcome read(std::span<std::byte> into) {
    if (into.size() > left_) return outcome_ = helper_process::read_outcome::ended;
    outcome_ = helper_.read(into, until_);
    if (outcome_ == helper_process::read_outcome::ok) left_ -= into.size();
    return outcome_;
  }
  // How the last read ended: anything but ok leaves the helper out of step.
  [[nodiscard]] helper_process::read_outcome outcome() const { return outcome_; }

 private:
  helper_process& helper_;
  helper_process::deadline until_;
  std::uint64_t left_;
  helper_process::read_outcome outcome_ = helper_process::read_outcome::ok;
};

namespace {

decode_limits completed(decode_limits limits) {
  if (limits.helpers == 0) limits.helpers = std::max(1U, std::thread::hardware_concurrency());
  if (limits.program.empty()) limits.program = default_program();
  return limits;
}

}  // namespace

contained_decoder::contained_decoder(decode_limits limits)
    : limits_(completed(std::move(limits))), free_(limits_.helpers) {
  for (std::size_t index = 0; index < limits_.helpers; ++index) helpers_.push_back(std::make_unique<helper_process>());
}

contained_decoder::~contained_decoder() = default;

result<void> contained_decoder::exchange(const decode_request& request,
                                         const std::function<result<void>(wire_reader&, payload&)>& parse,
                                         std::vector<std::string>& messages) {
  const slots::lease lent = free_.lend();
  helper_process& helper = *helpers_[lent.index()];
  // Whatever way this ends (an exception included), a helper whose answer was not read to its
  // last byte is stopped: its next answer would start in the middle of this one.
  bool in_step = false;
  struct stop_unless_in_step {
    helper_process& helper;
    const bool& in_step;
    ~stop_unless_in_step() {
      if (!in_step) helper.stop();
    }
  } const guard{helper, in_step};

  // An idle helper may have ended (killed from outside, or with the thread that started it).
  if (!helper.running()) {
    helper.stop();
    auto started =
        helper.start(limits_.program,
                     {"--memory", std::to_string(limits_.memory_bytes), "--cpu", std::to_string(limits_.time.count()),
                      "--document-bytes", std::to_string(limits_.documents.max_expanded_bytes), "--document-xml-bytes",
                      std::to_string(limits_.documents.max_xml_bytes), "--parent", std::to_string(getpid())});
    if (!started) return started.error();
  }
  const std::string header = encode_request(request);
  const std::uint64_t header_size = header.size();
  if (!helper.write(std::as_bytes(std::span(&header_size, 1))) || !helper.write(std::as_bytes(std::span(header)))) {
    return failure{"the decoder " + helper.stop() + " before it was given this file"};
  }

  const auto until = std::chrono::steady_clock::now() + limits_.time;
  std::string step = "starting";
  const auto broke_off = [&](helper_process::read_outcome outcome) -> failure {
    const std::string how = helper.stop();
    messages = helper.take_messages();
    if (outcome == helper_process::read_outcome::timeout) {
      return failure{"the decoder did not finish in " + std::to_string(limits_.time.count()) + " s while " + step +
                     " (it was stopped)"};
    }
    return failure{"the decoder " + how + " while " + step};
  };
  while (true) {
    message_kind kind{};
    std::uint64_t size = 0;
    auto outcome = helper.read(std::as_writable_bytes(std::span(&kind, 1)), until);
    if (outcome == helper_process::read_outcome::ok)
      outcome = helper.read(std::as_writable_bytes(std::span(&size, 1)), until);
    if (outcome != helper_process::read_outcome::ok) return broke_off(outcome);
    if (size > max_header_bytes) return broke_off(helper_process::read_outcome::ended);
    std::string text(size, '\0');
    std::uint64_t payload_size = 0;
    outcome = helper.read(std::as_writable_bytes(std::span(text)), until);
    if (outcome == helper_process::read_outcome::ok) {
      outcome = helper.read(std::as_writable_bytes(std::span(&payload_size, 1)), until);
    }
    if (outcome != helper_process::read_outcome::ok) return broke_off(outcome);
    wire_reader reader(text);
    if (kind == message_kind::step) {
      step = reader.get_text().substr(0, max_reason_bytes);
      if (payload_size != 0) return broke_off(helper_process::read_outcome::ended);
      continue;
    }
    // No honest answer holds more than the helper could: its whole address space.
    if (kind != message_kind::result || payload_size > limits_.memory_bytes) {
      return broke_off(helper_process::read_outcome::ended);
    }
    if (reader.get<std::uint8_t>() != 1) {
      std::string reason = reader.get_text().substr(0, max_reason_bytes);
      messages = helper.take_messages();
      // Not reused either: a library that refused a damaged file may have left state behind
      // (GDCM 3.0.21 leaks an OpenJPEG decoder, ~45 KB, per damaged JPEG 2000 codestream,
      // which added up in a warm helper); a start costs ~30 ms, on failures only.
      in_step = false;
      return failure{std::move(reason)};
    }
    payload pixels(helper, until, payload_size);
    auto parsed = parse(reader, pixels);
    if (pixels.outcome() != helper_process::read_outcome::ok) return broke_off(pixels.outcome());
    messages = helper.take_messages();
    if (pixels.left() != 0 || !reader.ok()) {
      return parsed ? failure{"the decoder's answer was malformed"} : parsed;
    }
    in_step = true;
    return parsed;
  }
}

result<raster::image_probe> contained_decoder::probe_image(const std::filesystem::path& file,
                                                           const raster::load_options& options) {
  raster::image_probe probe;
  std::vector<std::string> messages;
  auto done = exchange(
      {operation::probe_image, file, options},
      [&](wire_reader& header, payload&) -> result<void> {
        probe.pages = header.get<std::uint32_t>();
        probe.decoded_bytes = header.get<std::uint64_t>();
        probe.document = header.get<bool>();
        return {};
      },
      messages);
  if (!done) return with_messages(done.error(), messages);
  return probe;
}

result<std::vector<raster::raster>> contained_decoder::load_image(const std::filesystem::path& file,
                                                                  const raster::load_options& options) {
  std::vector<raster::raster> images;
  std::vector<std::string> messages;
  auto done = exchange(
      {operation::load_image, file, options},
      [&](wire_reader& header, payload& pixels) -> result<void> {
        const auto count = header.get<std::uint64_t>();
        for (std::uint64_t index = 0; index < count && !header.failed(); ++index) {
          raster::raster image;
          image.frame = get_frame_info(header);
          image.frame_count = header.get<std::uint32_t>();
          const auto bytes = header.get<std::uint64_t>();
          image.notes = get_texts(header);
          image.lossy_source_method = header.get_text();
          const bool spaced = header.get<bool>();
          const auto spacing = header.get<double>();
          if (spaced) image.pixel_spacing_mm = spacing;
          // Checked before anything is allocated: the helper is trusted no further than its input.
          if (pixel_bytes(image.frame, image.frame_count) != bytes || bytes > options.max_pixel_bytes ||
              bytes > pixels.left() || header.failed()) {
            return failure{"the decoder's answer was malformed"};
          }
          // Each image's pixels are read as soon as they have room: nothing waits allocated.
          image.pixels.resize(bytes);
          if (pixels.read(image.pixels) != helper_process::read_outcome::ok) {
            return failure{"the decoder ended while sending the pixels"};
          }
          images.push_back(std::move(image));
        }
        return {};
      },
      messages);
  if (!done) return with_messages(done.error(), messages);
  if (!images.empty()) {
    const auto notes = as_notes(messages);
    images.front().notes.insert(images.front().notes.end(), notes.begin(), notes.end());
  }
  return images;
}

result<dicom::instance> contained_decoder::read_decoded(const std::filesystem::path& file) {
  dicom::instance_parts parts;
  std::vector<std::string> messages;
  auto done = exchange(
      {operation::read_decoded, file, {}},
      [&](wire_reader& header, payload& pixels) -> result<void> {
        parts.dataset = header.get_text();
        parts.has_pixels = header.get<bool>();
        parts.frame = get_frame_info(header);
        parts.frame_count = header.get<std::uint32_t>();
        const auto bytes = header.get<std::uint64_t>();
        parts.notes = get_texts(header);
        const auto expected = parts.has_pixels ? pixel_bytes(parts.frame, parts.frame_count) : std::uint64_t{0};
        if (header.failed() || bytes != pixels.left() || expected != bytes) {
          return failure{"the decoder's answer was malformed"};
        }
        parts.native_pixels.resize(bytes);
        if (pixels.read(parts.native_pixels) != helper_process::read_outcome::ok) {
          return failure{"the decoder ended while sending the pixels"};
        }
        return {};
      },
      messages);
  if (!done) return with_messages(done.error(), messages);
  const auto notes = as_notes(messages);
  parts.notes.insert(parts.notes.end(), notes.begin(), notes.end());
  return dicom::put_together(std::move(parts));
}

result<dicom::display_source> contained_decoder::read_for_display(const std::filesystem::path& file) {
  dicom::display_source source;
  std::vector<std::string> messages;
  auto done = exchange(
      {operation::read_for_display, file, {}},
      [&](wire_reader& header, payload& pixels) -> result<void> {
        source.frame = get_frame_info(header);
        source.frame_count = header.get<std::uint32_t>();
        const auto bytes = header.get<std::uint64_t>();
        source.rescale_slope = header.get<double>();
        source.rescale_intercept = header.get<double>();
        if (header.get<bool>())
          source.window_center = header.get<double>();
        else
          (void)header.get<double>();
        if (header.get<bool>())
          source.window_width = header.get<double>();
        else
          (void)header.get<double>();
        if (header.failed() || bytes != pixels.left() || pixel_bytes(source.frame, source.frame_count) != bytes) {
          return failure{"the decoder's answer was malformed"};
        }
        source.pixels.resize(bytes);
        if (pixels.read(source.pixels) != helper_process::read_outcome::ok) {
          return failure{"the decoder ended while sending the pixels"};
        }
        return {};
      },
      messages);
  if (!done) return with_messages(done.error(), messages);
  return source;
}

result<void> contained_decoder::inspect_document(const std::filesystem::path& file) {
  std::vector<std::string> messages;
  auto done = exchange(
      {operation::inspect_document, file, {}}, [](wire_reader&, payload&) -> result<void> { return {}; }, messages);
  if (!done) return with_messages(done.error(), messages);
  return {};
}

dicom::validation_report contained_decoder::validate_file(const std::filesystem::path& file) {
  dicom::validation_report report;
  std::vector<std::string> messages;
  auto done = exchange(
      {operation::validate, file, {}},
      [&](wire_reader& header, payload&) -> result<void> {
        report.iod = header.get_text();
        report.readable = header.get<bool>();
        const auto count = header.get<std::uint64_t>();
        for (std::uint64_t index = 0; index < count && !header.failed(); ++index) {
          dicom::validation_problem problem;
          problem.tag.group = header.get<std::uint16_t>();
          problem.tag.element = header.get<std::uint16_t>();
          problem.keyword = header.get_text();
          problem.message = header.get_text();
          report.problems.push_back(std::move(problem));
        }
        return {};
      },
      messages);
  if (!done) {
    report = {};
    report.readable = false;
    report.problems.push_back({{}, {}, with_messages(done.error(), messages).message});
  }
  return report;
}

}  // namespace dcmflow::isolate
