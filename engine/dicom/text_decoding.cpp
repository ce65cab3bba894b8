#include "dicom/text_decoding.hpp"

#include "dicom/character_set.hpp"

#include <array>
#include <cerrno>
#include <optional>

namespace dcmflow::dicom {
namespace {

result<std::string> iconv_to_utf8(std::string_view in, const char* from) {
  auto decoded = convert_charset(in, "UTF-8", from);
  if (!decoded) return failure{std::string("bytes that are not ") + from};
  return decoded;
}

// The iconv charset of a single-byte or whole-value Specific Character Set term.
std::optional<const char*> whole_value_charset(std::string_view term) {
  struct entry {
    std::string_view term;
    const char* iconv_name;
  };
  static constexpr std::array<entry, 16> table = {{
      {"ISO_IR 6", "ASCII"},
      {"ISO_IR 100", "ISO-8859-1"},
      {"ISO_IR 101", "ISO-8859-2"},
      {"ISO_IR 109", "ISO-8859-3"},
      {"ISO_IR 110", "ISO-8859-4"},
      {"ISO_IR 144", "ISO-8859-5"},
      {"ISO_IR 127", "ISO-8859-6"},
      {"ISO_IR 126", "ISO-8859-7"},
      {"ISO_IR 138", "ISO-8859-8"},
      {"ISO_IR 148", "ISO-8859-9"},
      {"ISO_IR 203", "ISO-8859-15"},
      {"ISO_IR 13", "JIS_X0201"},
      {"ISO_IR 166", "TIS-620"},
      {"ISO_IR 192", "UTF-8"},
      {"GB18030", "GB18030"},
      {"GBK", "GBK"},
  }};
  for (const entry& known : table) {
    if (known.term == term) return known.iconv_name;
  }
  return std::nullopt;
}

// A code element of ISO 2022: how its bytes become a charset iconv knows.
enum class element_kind {
  single_byte,        // bytes as they are, under `charset`
  seven_bit_double,   // G0 double-byte (JIS X 0208): bytes | 0x80 become EUC-JP
  seven_bit_jis0212,  // G0 JIS X 0212: 0x8F then bytes | 0x80, EUC-JP
  katakana,           // G1 JIS X 0201 katakana: 0x8E then the byte, EUC-JP
};

struct code_element {
  element_kind kind = element_kind::single_byte;
  const char* charset = "ASCII";
};

struct escape {
  std::string_view sequence;
  bool g1;  // designates G1 (bytes 0xA1-0xFE) rather than G0
  code_element element;
};

constexpr std::array<escape, 16> escapes = {{
    {"\x1B(B", false, {element_kind::single_byte, "ASCII"}},
    {"\x1B(J", false, {element_kind::single_byte, "ASCII"}},  // JIS X 0201 Roman: ASCII but for two glyphs
    {"\x1B$B", false, {element_kind::seven_bit_double, "EUC-JP"}},
    {"\x1B$(D", false, {element_kind::seven_bit_jis0212, "EUC-JP"}},
    {"\x1B)I", true, {element_kind::katakana, "EUC-JP"}},
    {"\x1B$)C", true, {element_kind::single_byte, "EUC-KR"}},
    {"\x1B$)A", true, {element_kind::single_byte, "GB2312"}},
    {"\x1B-A", true, {element_kind::single_byte, "ISO-8859-1"}},
    {"\x1B-B", true, {element_kind::single_byte, "ISO-8859-2"}},
    {"\x1B-C", true, {element_kind::single_byte, "ISO-8859-3"}},
    {"\x1B-D", true, {element_kind::single_byte, "ISO-8859-4"}},
    {"\x1B-L", true, {element_kind::single_byte, "ISO-8859-5"}},
    {"\x1B-G", true, {element_kind::single_byte, "ISO-8859-6"}},
    {"\x1B-F", true, {element_kind::single_byte, "ISO-8859-7"}},
    {"\x1B-H", true, {element_kind::single_byte, "ISO-8859-8"}},
    {"\x1B-M", true, {element_kind::single_byte, "ISO-8859-9"}},
}};

// The G1 element an "ISO 2022 IR nnn" term designates at the start of each value.
std::optional<code_element> initial_g1(std::string_view term) {
  if (term == "ISO 2022 IR 13") return code_element{element_kind::katakana, "EUC-JP"};
  if (term == "ISO 2022 IR 149") return code_element{element_kind::single_byte, "EUC-KR"};
  if (term == "ISO 2022 IR 58") return code_element{element_kind::single_byte, "GB2312"};
  static constexpr std::array<std::pair<std::string_view, const char*>, 10> single = {
      {{"ISO 2022 IR 100", "ISO-8859-1"},
       {"ISO 2022 IR 101", "ISO-8859-2"},
       {"ISO 2022 IR 109", "ISO-8859-3"},
       {"ISO 2022 IR 110", "ISO-8859-4"},
       {"ISO 2022 IR 144", "ISO-8859-5"},
       {"ISO 2022 IR 127", "ISO-8859-6"},
       {"ISO 2022 IR 126", "ISO-8859-7"},
       {"ISO 2022 IR 138", "ISO-8859-8"},
       {"ISO 2022 IR 148", "ISO-8859-9"},
       {"ISO 2022 IR 166", "TIS-620"}}};
  for (const auto& [name, charset] : single) {
    if (name == term) return code_element{element_kind::single_byte, charset};
  }
  return std::nullopt;
}

bool is_iso2022(std::span<const std::string> terms) {
  if (terms.size() > 1) return true;
  return !terms.empty() && terms[0].rfind("ISO 2022", 0) == 0;
}

// Bytes of one code element (a run without escapes) to UTF-8.
result<std::string> decode_run(std::string_view run, const code_element& element) {
  std::string bytes;
  switch (element.kind) {
    case element_kind::single_byte: return iconv_to_utf8(run, element.charset);
    case element_kind::seven_bit_double:
      for (const char c : run) bytes.push_back(static_cast<char>(static_cast<unsigned char>(c) | 0x80));
      break;
    case element_kind::seven_bit_jis0212:
      for (std::size_t i = 0; i + 1 < run.size(); i += 2) {
        bytes.push_back('\x8F');
        bytes.push_back(static_cast<char>(static_cast<unsigned char>(run[i]) | 0x80));
        bytes.push_back(static_cast<char>(static_cast<unsigned char>(run[i + 1]) | 0x80));
      }
      break;
    case element_kind::katakana:
      for (const char c : run) {
        bytes.push_back('\x8E');
        bytes.push_back(c);
      }
      break;
  }
  return iconv_to_utf8(bytes, element.charset);
}

result<std::string> decode_iso2022(std::string_view bytes, std::span<const std::string> terms, std::string_view vr) {
  const std::string_view first = terms.empty() ? std::string_view() : std::string_view(terms[0]);
  std::optional<code_element> start_g1 = initial_g1(first);
  const code_element start_g0{element_kind::single_byte, "ASCII"};
  code_element g0 = start_g0;
  std::optional<code_element> g1 = start_g1;
  const bool person_name = vr == "PN";

  std::string out;
  std::string run;
  bool run_is_g1 = false;
  const auto flush = [&]() -> result<void> {
    if (run.empty()) return {};
    const code_element& element = run_is_g1 ? *g1 : g0;
    auto decoded = decode_run(run, element);
    if (!decoded) return decoded.error();
    out += decoded.value();
    run.clear();
    return {};
  };

  for (std::size_t i = 0; i < bytes.size();) {
    const char c = bytes[i];
    if (c == '\x1B') {
      const escape* matched = nullptr;
      for (const escape& known : escapes) {
        if (bytes.substr(i, known.sequence.size()) == known.sequence) matched = &known;
      }
      if (matched == nullptr) return failure{"an escape sequence dcmflow does not know"};
      if (auto flushed = flush(); !flushed) return flushed.error();
      if (matched->g1) {
        g1 = matched->element;
      } else {
        g0 = matched->element;
      }
      i += matched->sequence.size();
      continue;
    }
    // Delimiters are recognised only while G0 holds single bytes: in JIS X 0208 text, 0x5C
    // or 0x5E is half of a character.
    const bool single_byte_g0 = g0.kind == element_kind::single_byte;
    const bool delimiter = single_byte_g0 && (c == '\\' || c == '\r' || c == '\n' || c == '\t' || c == '\f' ||
                                              (person_name && (c == '^' || c == '=')));
    if (delimiter) {
      if (auto flushed = flush(); !flushed) return flushed.error();
      out.push_back(c);
      g0 = start_g0;  // back to the initial state (PS3.5 6.1.2.5.3)
      g1 = start_g1;
      ++i;
      continue;
    }
    const bool high = static_cast<unsigned char>(c) >= 0x80;
    if (high && !g1) return failure{"bytes above 0x7F with no character set designated for them"};
    if (high != run_is_g1) {
      if (auto flushed = flush(); !flushed) return flushed.error();
      run_is_g1 = high;
    }
    run.push_back(c);
    ++i;
  }
  if (auto flushed = flush(); !flushed) return flushed.error();
  return out;
}

}  // namespace

result<std::string> decode_text(std::string_view bytes, std::span<const std::string> specific_character_set,
                                std::string_view vr) {
  if (is_iso2022(specific_character_set)) return decode_iso2022(bytes, specific_character_set, vr);
  const std::string term = specific_character_set.empty() ? std::string("ISO_IR 6") : specific_character_set[0];
  const auto charset = whole_value_charset(term.empty() ? "ISO_IR 6" : term);
  if (!charset) return failure{"Specific Character Set '" + term + "' is not one dcmflow reads"};
  if (std::string_view(*charset) == "UTF-8") {
    // Passed on only when it is what it declares: malformed bytes would leave as invalid text.
    if (!utf8_length(bytes)) return failure{"bytes that are not UTF-8, which '" + term + "' declares"};
    return std::string(bytes);
  }
  return iconv_to_utf8(bytes, *charset);
}

}  // namespace dcmflow::dicom
