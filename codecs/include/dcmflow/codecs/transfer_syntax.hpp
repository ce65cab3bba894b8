#pragma once
// The one table of transfer syntaxes dcmflow reads or writes (after dicom-rs'
// TransferSyntax registry): each entry says what the syntax is, how `--codec` spells it,
// which library encodes and decodes it, and how far that library can be trusted. Every
// list of codecs in dcmflow (`dcmflow codecs`, capabilities, reports, the decoders)
// reads it; adding a syntax is one entry here plus its adapter (codecs/README.md).

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace dcmflow::codecs {

class encoder;
class decoder;
struct transfer_syntax;

// How the Pixel Data of a transfer syntax is carried.
enum class pixel_encoding : std::uint8_t {
  native,        // uncompressed frames one after the other
  deflated,      // native pixels, the whole dataset deflated (1.2.840.10008.1.2.1.99)
  encapsulated,  // one compressed fragment per frame
};

// The library behind an adapter. Each but `dcmflow` and `zlib` is a build option
// (DCMFLOW_WITH_<NAME>); a syntax whose library was left out keeps its entry and says so.
enum class backend : std::uint8_t { dcmflow, zlib, charls, openjpeg, openjph, libjpeg_turbo };

[[nodiscard]] std::string_view backend_name(backend library) noexcept;  // "OpenJPH"
[[nodiscard]] bool backend_built(backend library) noexcept;

// The value after ':' in a `--codec` spec ("jpegls-near:2"). A syntax whose `help` is
// empty takes none.
struct codec_option {
  std::string_view help{};  // for `dcmflow codecs`: ":N  NEAR, the largest error allowed per sample (1-255)"
  double lowest = 0;        // the smallest value accepted (or the largest refused, if lowest_excluded)
  double highest = 0;
  bool whole_number = false;
  bool lowest_excluded = false;

  [[nodiscard]] constexpr bool takes_value() const noexcept { return !help.empty(); }
  // ":RATIO", as `--codec j2k:RATIO` is written in help and tables; empty when none.
  [[nodiscard]] constexpr std::string_view placeholder() const noexcept { return help.substr(0, help.find(' ')); }
  [[nodiscard]] constexpr bool accepts(double value) const noexcept {
    return (lowest_excluded ? value > lowest : value >= lowest) && value <= highest &&
           (!whole_number || value == static_cast<double>(static_cast<long long>(value)));
  }
};

using encoder_factory = std::unique_ptr<encoder> (*)(const transfer_syntax& syntax, double option);
using decoder_factory = std::unique_ptr<decoder> (*)(const transfer_syntax& syntax);

struct transfer_syntax {
  std::string_view uid{};
  std::string_view name{};   // the standard's name: "JPEG-LS Lossless"
  std::string_view codec{};  // as given to --codec: "jpegls-near"; empty: dcmflow reads it but does not write it
  codec_option option{};
  pixel_encoding encoding = pixel_encoding::native;
  bool lossy = false;
  std::string_view bit_depths{};   // bits stored the encoder accepts, for `dcmflow codecs`
  std::string_view photometric{};  // photometric interpretations the encoder accepts
  backend library = backend::dcmflow;
  // The library aborts the process on some corrupt input (assertions left on in Debian's
  // build): fragments from outside go through decode_untrusted().
  bool aborts_on_corrupt_input = false;
  // An older syntax whose dataset is encoded the same way: toolkits that predate this one
  // (GDCM 3.0 and HTJ2K) read its dataset under that UID. Empty when none is needed.
  std::string_view older_twin{};
  encoder_factory make_encoder = nullptr;  // null: dcmflow does not write this syntax
  decoder_factory make_decoder = nullptr;

  [[nodiscard]] bool built() const noexcept { return backend_built(library); }
};

// In the order `dcmflow codecs` lists them.
[[nodiscard]] std::span<const transfer_syntax> transfer_syntaxes() noexcept;

// Null for a syntax that is not in the table.
[[nodiscard]] const transfer_syntax* find_transfer_syntax(std::string_view uid) noexcept;

// The standard's name of a syntax in the table; empty for others.
[[nodiscard]] std::string_view transfer_syntax_name(std::string_view uid) noexcept;

}  // namespace dcmflow::codecs
