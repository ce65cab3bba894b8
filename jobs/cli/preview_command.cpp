#include "cli/preview_command.hpp"

#include <charconv>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cli/exit_codes.hpp"
#include "dicom/display.hpp"
#include "isolate/contained_decoder.hpp"
#include "render/preview.hpp"

namespace dcmflow::cli {
namespace {

struct preview_arguments {
  std::vector<std::filesystem::path> inputs;
  std::filesystem::path output;
  std::uint32_t frame = 1;
  std::string size;
  std::string window;
  bool sheet = false;
  std::uint32_t tile = 256;
};

// Most frames a sheet shows: a contact sheet is for looking, not an archive of its own.
constexpr std::size_t max_tiles = 400;

bool parse_pair(const std::string& text, char separator, double& first, double& second) {
  const auto at = text.find(separator);
  if (at == std::string::npos) return false;
  const auto read = [](std::string_view part, double& into) {
    const auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), into);
    return error == std::errc() && end == part.data() + part.size();
  };
  return read(std::string_view(text).substr(0, at), first) && read(std::string_view(text).substr(at + 1), second);
}

int run_preview(const preview_arguments& args) {
  std::optional<render::window> window;
  if (!args.window.empty()) {
    double center = 0;
    double width = 0;
    if (!parse_pair(args.window, ',', center, width) || width < 1) {
      std::cerr << "dcmflow preview: --window " << args.window << ": expected CENTER,WIDTH with WIDTH >= 1\n";
      return exit_usage;
    }
    window = render::window{center, width};
  }
  double width = 0;
  double height = 0;
  if (!args.size.empty() && (!parse_pair(args.size, 'x', width, height) || width < 1 || height < 1)) {
    std::cerr << "dcmflow preview: --size " << args.size << ": expected WIDTHxHEIGHT, e.g. 512x512\n";
    return exit_usage;
  }
  if (!args.sheet && args.inputs.size() > 1) {
    std::cerr << "dcmflow preview: several inputs go on one contact sheet: add --sheet\n";
    return exit_usage;
  }

  std::vector<render::sheet_tile> tiles;
  std::size_t failed = 0;
  // Files are read and decoded in a helper: a damaged one fails alone, with how.
  isolate::decode_limits one_helper;
  one_helper.helpers = 1;
  isolate::contained_decoder decoder(one_helper);
  for (const auto& input : args.inputs) {
    auto source = decoder.read_for_display(input);
    if (!source) {
      std::cerr << input.string() << ": " << source.error().message << '\n';
      ++failed;
      continue;
    }
    if (!args.sheet) {
      auto picture = render::render_frame(*source, args.frame - 1, window);
      if (!picture) {
        std::cerr << input.string() << ": " << picture.error().message << '\n';
        return exit_items_failed;
      }
      if (auto saved = render::save_picture(*picture, args.output, static_cast<std::uint32_t>(width),
                                            static_cast<std::uint32_t>(height));
          !saved) {
        std::cerr << "dcmflow preview: " << saved.error().message << '\n';
        return exit_fatal;
      }
      std::cout << "preview: " << args.output.string() << '\n';
      return exit_ok;
    }
    for (std::uint32_t index = 0; index < source->frame_count && tiles.size() < max_tiles; ++index) {
      auto picture = render::render_frame(*source, index, window);
      if (!picture) {
        std::cerr << input.string() << ": " << picture.error().message << '\n';
        ++failed;
        break;
      }
      std::string label = input.filename().string();
      if (source->frame_count > 1) label += " [" + std::to_string(index + 1) + "]";
      tiles.push_back({std::move(picture).value(), std::move(label)});
    }
  }
  if (!args.sheet) return exit_items_failed;  // the one input failed
  if (tiles.empty()) {
    std::cerr << "dcmflow preview: no frame to show\n";
    return exit_items_failed;
  }
  if (auto saved = render::save_sheet(tiles, args.output, args.tile); !saved) {
    std::cerr << "dcmflow preview: " << saved.error().message << '\n';
    return exit_fatal;
  }
  std::cout << "preview: " << tiles.size() << " frames on " << args.output.string() << '\n';
  return failed > 0 ? exit_items_failed : exit_ok;
}

}  // namespace

std::function<int()> add_preview_command(CLI::App& app) {
  auto args = std::make_shared<preview_arguments>();
  CLI::App* command = app.add_subcommand(
      "preview", "Render DICOM frames to PNG or JPEG (Modality LUT, VOI window), or a contact sheet");
  command->add_option("inputs", args->inputs, "DICOM files")->required();
  command->add_option("-o,--output", args->output, "The picture: .png or .jpg")->required();
  command->add_option("--frame", args->frame, "Which frame (from 1)")
      ->check(CLI::Range(1U, 1000000U))
      ->capture_default_str();
  command->add_option("--size", args->size, "Fit within WIDTHxHEIGHT pixels (default: the frame's own size)");
  command->add_option("--window", args->window,
                      "VOI window CENTER,WIDTH (default: the file's; else 8-bit values as stored, wider ones from "
                      "their 0.5th to 99.5th percentile)");
  command->add_flag("--sheet", args->sheet, "Every frame of every input on one labelled contact sheet");
  command->add_option("--tile", args->tile, "Sheet tile size in pixels")
      ->check(CLI::Range(32U, 2048U))
      ->capture_default_str();
  return [command, args] { return command->parsed() ? run_preview(*args) : -1; };
}

}  // namespace dcmflow::cli
