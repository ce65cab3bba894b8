// A/B micro-benchmarks: each dcmflow encoder against its library called directly on the
// same frame (what dcmflow's adapter costs), and dcmflow's RLE against GDCM's RLE codec.
// Frames: every image in $DCMFLOW_BENCH_FRAMES (datasets/make_bench_frames.py makes them).
// bench/codec_ratios.py runs this and prints median ratios.

#include <benchmark/benchmark.h>
#include <charls/charls.h>
#include <gdcmDataElement.h>
#include <gdcmRLECodec.h>
#include <gdcmSequenceOfFragments.h>
#include <openjpeg.h>
#include <openjph/ojph_arch.h>
#include <openjph/ojph_codestream.h>
#include <openjph/ojph_file.h>
#include <openjph/ojph_mem.h>
#include <openjph/ojph_params.h>
#include <turbojpeg.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <dcmflow/codecs/registry.hpp>

#include "measure/frame_source.hpp"
#include "raster/image_loader.hpp"

namespace {

using dcmflow::codecs::frame_info;
using dcmflow::measure::frame_sample;

// --- The libraries called directly, with the settings dcmflow uses ---------------------

std::size_t charls_alone(const frame_sample& frame, std::vector<std::byte>& out) {
  charls::jpegls_encoder encoder;
  encoder.frame_info({frame.info.width, frame.info.height, frame.info.bits_stored, frame.info.samples_per_pixel});
  if (frame.info.samples_per_pixel == 3) encoder.interleave_mode(charls::interleave_mode::sample);
  out.resize(encoder.estimated_destination_size());
  encoder.destination(out.data(), out.size());
  return encoder.encode(frame.pixels.data(), frame.pixels.size());
}

template <class Sample>
void fill_planes(const frame_sample& frame, opj_image_t* image) {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): byte view
  const auto* samples = reinterpret_cast<const Sample*>(frame.pixels.data());
  const std::size_t pixels = frame.info.pixel_count();
  const std::size_t components = frame.info.samples_per_pixel;
  for (std::size_t c = 0; c < components; ++c) {
    for (std::size_t p = 0; p < pixels; ++p) image->comps[c].data[p] = samples[p * components + c];
  }
}

std::size_t openjpeg_alone(const frame_sample& frame, std::vector<std::byte>& out, unsigned levels) {
  opj_image_cmptparm_t parameters[3]{};
  for (std::size_t c = 0; c < frame.info.samples_per_pixel; ++c) {
    parameters[c] = {1, 1, frame.info.width, frame.info.height, 0, 0, frame.info.bits_stored, 0};
  }
  opj_image_t* image = opj_image_create(frame.info.samples_per_pixel, parameters,
                                        frame.info.samples_per_pixel == 3 ? OPJ_CLRSPC_SRGB : OPJ_CLRSPC_GRAY);
  image->x1 = frame.info.width;
  image->y1 = frame.info.height;
  if (frame.info.bits_allocated == 8) {
    fill_planes<std::uint8_t>(frame, image);
  } else {
    fill_planes<std::uint16_t>(frame, image);
  }
  opj_cparameters_t options;
  opj_set_default_encoder_parameters(&options);
  options.tcp_numlayers = 1;
  options.cp_disto_alloc = 1;
  options.tcp_rates[0] = 0;
  options.tcp_mct = frame.info.samples_per_pixel == 3 ? 1 : 0;
  options.numresolution = static_cast<int>(levels) + 1;
  opj_codec_t* codec = opj_create_compress(OPJ_CODEC_J2K);
  opj_setup_encoder(codec, &options, image);
  out.clear();
  opj_stream_t* stream = opj_stream_create(1 << 16, OPJ_FALSE);
  opj_stream_set_user_data(stream, &out, nullptr);
  opj_stream_set_write_function(stream, [](void* data, OPJ_SIZE_T size, void* user) -> OPJ_SIZE_T {
    auto& bytes = *static_cast<std::vector<std::byte>*>(user);
    const auto* begin = static_cast<const std::byte*>(data);
    bytes.insert(bytes.end(), begin, begin + size);
    return size;
  });
  opj_start_compress(codec, image, stream);
  opj_encode(codec, stream);
  opj_end_compress(codec, stream);
  opj_stream_destroy(stream);
  opj_destroy_codec(codec);
  opj_image_destroy(image);
  return out.size();
}

std::size_t openjph_alone(const frame_sample& frame, unsigned levels) {
  ojph::codestream codestream;
  ojph::param_siz size = codestream.access_siz();
  size.set_image_extent(ojph::point(frame.info.width, frame.info.height));
  size.set_num_components(frame.info.samples_per_pixel);
  for (ojph::ui32 c = 0; c < frame.info.samples_per_pixel; ++c) {
    size.set_component(c, ojph::point(1, 1), frame.info.bits_stored, false);
  }
  ojph::param_cod coding = codestream.access_cod();
  coding.set_num_decomposition(levels);
  coding.set_block_dims(64, 64);
  coding.set_progression_order("RPCL");
  coding.set_color_transform(frame.info.samples_per_pixel == 3);
  coding.set_reversible(true);
  codestream.set_planar(false);
  ojph::mem_outfile output;
  output.open(frame.info.bytes() / 2 + 4096);
  codestream.write_headers(&output);
  ojph::ui32 component = 0;
  ojph::line_buf* line = codestream.exchange(nullptr, component);
  const std::size_t components = frame.info.samples_per_pixel;
  for (std::size_t y = 0; y < frame.info.height; ++y) {
    for (std::size_t c = 0; c < components; ++c) {
      const std::size_t row = y * frame.info.width * components;
      if (frame.info.bits_allocated == 8) {
        // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): byte view
        const auto* samples = reinterpret_cast<const std::uint8_t*>(frame.pixels.data()) + row;
        for (std::size_t x = 0; x < frame.info.width; ++x) line->i32[x] = samples[x * components + component];
      } else {
        // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): byte view
        const auto* samples = reinterpret_cast<const std::uint16_t*>(frame.pixels.data()) + row;
        for (std::size_t x = 0; x < frame.info.width; ++x) line->i32[x] = samples[x * components + component];
      }
      line = codestream.exchange(line, component);
    }
  }
  codestream.flush();
  const auto written = static_cast<std::size_t>(output.tell());
  codestream.close();
  return written;
}

std::size_t turbojpeg_alone(const frame_sample& frame, std::vector<std::byte>& out) {
  tjhandle handle = tjInitCompress();
  const bool grey = frame.info.samples_per_pixel == 1;
  const int subsampling = grey ? TJSAMP_GRAY : TJSAMP_422;
  out.resize(tjBufSize(static_cast<int>(frame.info.width), static_cast<int>(frame.info.height), subsampling));
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): byte view
  auto* destination = reinterpret_cast<unsigned char*>(out.data());
  unsigned long size = out.size();
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the library's pointer type
  tjCompress2(handle, reinterpret_cast<const unsigned char*>(frame.pixels.data()), static_cast<int>(frame.info.width),
              0, static_cast<int>(frame.info.height), grey ? TJPF_GRAY : TJPF_RGB, &destination, &size, subsampling, 90,
              TJFLAG_NOREALLOC | TJFLAG_ACCURATEDCT);
  tjDestroy(handle);
  return size;
}

std::size_t gdcm_rle(const frame_sample& frame) {
  gdcm::RLECodec codec;
  const unsigned int dimensions[3] = {frame.info.width, frame.info.height, 1};
  codec.SetDimensions(dimensions);
  codec.SetPixelFormat(gdcm::PixelFormat(frame.info.samples_per_pixel, frame.info.bits_allocated,
                                         frame.info.bits_stored, frame.info.bits_stored - 1, 0));
  codec.SetPhotometricInterpretation(frame.info.samples_per_pixel == 3 ? gdcm::PhotometricInterpretation::RGB
                                                                       : gdcm::PhotometricInterpretation::MONOCHROME2);
  codec.SetPlanarConfiguration(0);
  gdcm::DataElement in(gdcm::Tag(0x7FE0, 0x0010));
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): GDCM takes char*
  const auto* bytes = reinterpret_cast<const char*>(frame.pixels.data());
  in.SetByteValue(bytes, static_cast<std::uint32_t>(frame.pixels.size()));
  gdcm::DataElement out;
  codec.Code(in, out);
  return out.GetSequenceOfFragments() != nullptr ? out.GetSequenceOfFragments()->ComputeByteLength() : 0;
}

unsigned decompositions(const frame_info& info) {
  const std::uint32_t side = std::min(info.width, info.height);
  unsigned levels = 0;
  while (levels < 5 && (side >> (levels + 1)) >= 1) ++levels;
  return levels;
}

// --- Registration ------------------------------------------------------------------------

void run(benchmark::State& state, const frame_sample& frame, const std::function<std::size_t()>& encode) {
  std::size_t compressed = 0;
  for (auto _ : state) {
    compressed = encode();
    benchmark::DoNotOptimize(compressed);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * frame.info.bytes()));
  state.counters["ratio"] =
      compressed == 0 ? 0.0 : static_cast<double>(frame.info.bytes()) / static_cast<double>(compressed);
}

void register_pair(const std::string& image, const frame_sample& frame, const std::string& spec,
                   const std::function<std::size_t()>& library, const std::string& library_name) {
  std::error_code error;
  std::shared_ptr<dcmflow::codecs::encoder> codec = dcmflow::codecs::make_encoder(spec, error);
  std::vector<std::byte> probe;
  dcmflow::codecs::encoding_effect effect;
  if (codec->encode(frame.info, frame.pixels, probe, effect)) return;  // codec refuses this class
  benchmark::RegisterBenchmark(("encode/" + image + "/" + spec + "/dcmflow").c_str(), [codec, &frame](
                                                                                          benchmark::State& state) {
    std::vector<std::byte> fragment;
    dcmflow::codecs::encoding_effect effect;
    run(state, frame, [&] {
      (void)codec->encode(frame.info, frame.pixels, fragment, effect);
      return fragment.size();
    });
  })->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark(("encode/" + image + "/" + spec + "/" + library_name).c_str(),
                               [library, &frame](benchmark::State& state) { run(state, frame, library); })
      ->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
  const dcmflow::raster::vips_runtime vips(argv[0]);
  const char* folder = std::getenv("DCMFLOW_BENCH_FRAMES");
  const std::filesystem::path frames_folder = folder != nullptr ? folder : "datasets/generated/bench";
  const std::vector<std::filesystem::path> inputs = {frames_folder};
  static const dcmflow::measure::loaded_frames loaded = dcmflow::measure::load_frames(inputs);
  if (loaded.frames.empty()) {
    std::cerr << "no frames in " << frames_folder
              << ": run datasets/make_bench_frames.py there, or set DCMFLOW_BENCH_FRAMES\n";
    return 1;
  }
  for (const frame_sample& frame : loaded.frames) {
    const std::string image = std::filesystem::path(frame.source).stem().string();
    std::vector<std::byte>* scratch = new std::vector<std::byte>();  // lives as long as the benchmarks
    register_pair(
        image, frame, "jpegls", [&frame, scratch] { return charls_alone(frame, *scratch); }, "charls");
    register_pair(
        image, frame, "j2k", [&frame, scratch] { return openjpeg_alone(frame, *scratch, decompositions(frame.info)); },
        "openjpeg");
    register_pair(
        image, frame, "htj2k", [&frame] { return openjph_alone(frame, decompositions(frame.info)); }, "openjph");
    register_pair(
        image, frame, "jpeg:90", [&frame, scratch] { return turbojpeg_alone(frame, *scratch); }, "turbojpeg");
    register_pair(
        image, frame, "rle", [&frame] { return gdcm_rle(frame); }, "gdcm");
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
