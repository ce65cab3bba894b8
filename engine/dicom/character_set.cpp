#include "dicom/character_set.hpp"

#include <iconv.h>

#include <cerrno>
#include <memory>

namespace dcmflow::dicom {
namespace {}  // namespace

// One conversion through glibc's iconv; a converter per call (iconv_t is not thread-safe).
result<std::string> convert_charset(std::string_view in, const char* to, const char* from) {
  iconv_t converter = iconv_open(to, from);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast,performance-no-int-to-ptr): iconv's error value
  if (converter == reinterpret_cast<iconv_t>(-1)) {
    return failure{std::string("no converter from ") + from + " to " + to};
  }
  std::string out(in.size() * 4 + 16, '\0');
  char* source =
      const_cast<char*>(in.data());  // NOLINT(cppcoreguidelines-pro-type-const-cast): iconv's API is not const
  std::size_t source_left = in.size();
  char* target = out.data();
  std::size_t target_left = out.size();
  const std::size_t status = iconv(converter, &source, &source_left, &target, &target_left);
  const int error = errno;
  iconv_close(converter);
  if (status == static_cast<std::size_t>(-1)) {
    return failure{error == EILSEQ ? "has characters the character set cannot hold" : "cannot be converted"};
  }
  out.resize(out.size() - target_left);
  return out;
}

namespace {

bool is_ascii(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// GB2312 in G1 via ISO 2022: the escape goes before the first Chinese character of each
// segment; segments end at delimiters and control characters, where the state resets.
result<std::string> encode_iso2022_gb2312(std::string_view utf8, std::string_view vr) {
  static constexpr std::string_view designate_gb2312 = "\x1B$)A";
  const bool person_name = vr == "PN";
  std::string out;
  std::size_t start = 0;
  while (start <= utf8.size()) {
    std::size_t end = start;
    while (end < utf8.size()) {
      const char c = utf8[end];
      if (c == '\\' || c == '\r' || c == '\n' || c == '\f' || c == '\t' || (person_name && (c == '^' || c == '=')))
        break;
      ++end;
    }
    const std::string_view segment = utf8.substr(start, end - start);
    if (is_ascii(segment)) {
      out += segment;
    } else {
      std::size_t ascii_prefix = 0;
      while (ascii_prefix < segment.size() && static_cast<unsigned char>(segment[ascii_prefix]) < 0x80) ++ascii_prefix;
      auto chinese = convert_charset(segment.substr(ascii_prefix), "GB2312", "UTF-8");  // EUC-CN: G1 bytes
      if (!chinese) return failure{"has characters outside GB2312 (use --charset gb18030 or utf8)"};
      out += segment.substr(0, ascii_prefix);
      out += designate_gb2312;
      out += chinese.value();
    }
    if (end >= utf8.size()) break;
    out.push_back(utf8[end]);  // the delimiter, in the initial state
    start = end + 1;
  }
  return out;
}

}  // namespace

result<character_set> parse_character_set(std::string_view name) {
  if (name == "utf8" || name == "utf-8") return character_set::utf8;
  if (name == "gb18030") return character_set::gb18030;
  if (name == "iso2022-gb2312") return character_set::iso2022_gb2312;
  if (name == "latin1") return character_set::latin1;
  return failure{"unknown character set '" + std::string(name) + "' (utf8, gb18030, iso2022-gb2312, latin1)"};
}

std::string_view specific_character_set(character_set set) {
  switch (set) {
    case character_set::utf8: return "ISO_IR 192";
    case character_set::gb18030: return "GB18030";
    case character_set::iso2022_gb2312: return "\\ISO 2022 IR 58";
    case character_set::latin1: return "ISO_IR 100";
  }
  return "ISO_IR 192";
}

bool is_character_set_vr(std::string_view vr) {
  return vr == "SH" || vr == "LO" || vr == "UC" || vr == "ST" || vr == "LT" || vr == "UT" || vr == "PN";
}

result<std::string> encode_text(std::string_view utf8, character_set set, std::string_view vr) {
  if (set == character_set::utf8 || is_ascii(utf8)) return std::string(utf8);
  switch (set) {
    case character_set::gb18030: return convert_charset(utf8, "GB18030", "UTF-8");
    case character_set::latin1: return convert_charset(utf8, "ISO-8859-1", "UTF-8");
    case character_set::iso2022_gb2312: return encode_iso2022_gb2312(utf8, vr);
    case character_set::utf8: break;
  }
  return std::string(utf8);
}

result<std::string> gb18030_to_utf8(std::string_view bytes) { return convert_charset(bytes, "UTF-8", "GB18030"); }

result<std::string> windows1252_to_utf8(std::string_view bytes) {
  return convert_charset(bytes, "UTF-8", "WINDOWS-1252");
}

}  // namespace dcmflow::dicom
