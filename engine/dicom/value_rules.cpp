#include "dicom/value_rules.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <optional>
#include <vector>

#include "dicom/attribute.hpp"
#include "dicom/character_set.hpp"

namespace dcmflow::dicom {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_ascii_printable(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
}

// Control characters other than ESC (character set escapes) are not allowed in strings;
// the text VRs (LT, ST, UT) also keep TAB, LF, FF and CR.
bool has_forbidden_control(std::string_view text, bool text_vr) {
  return std::any_of(text.begin(), text.end(), [&](char c) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte != 0x7F) return false;
    if (byte == 0x1B) return false;
    return !(text_vr && (byte == '\t' || byte == '\n' || byte == '\f' || byte == '\r'));
  });
}

struct multiplicity {
  std::size_t min = 1;
  std::size_t max = 1;  // SIZE_MAX: unbounded
};

multiplicity parse_vm(std::string_view vm) {
  multiplicity result;
  const auto dash = vm.find('-');
  const auto number = [](std::string_view text, std::size_t fallback) {
    std::size_t value = fallback;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
  };
  if (dash == std::string_view::npos) {
    result.min = result.max = number(vm, 1);
  } else {
    result.min = number(vm.substr(0, dash), 1);
    const std::string_view upper = vm.substr(dash + 1);
    result.max = upper.find('n') != std::string_view::npos ? SIZE_MAX : number(upper, result.min);
  }
  return result;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (true) {
    const auto at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int to_int(std::string_view digits) {
  int value = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return value;
}

// --- Dates and times -------------------------------------------------------------------

bool valid_calendar_date(int year, int month, int day) {
  static constexpr std::array<int, 12> days = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > days[static_cast<std::size_t>(month - 1)]) return false;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return !(month == 2 && day == 29 && !leap);
}

result<std::string> normalise_date(std::string_view value) {
  std::string_view rest = value;
  int year = 0;
  int month = 0;
  int day = 0;
  if (all_digits(rest) && rest.size() == 8) {
    year = to_int(rest.substr(0, 4));
    month = to_int(rest.substr(4, 2));
    day = to_int(rest.substr(6, 2));
  } else {
    // Year first with one separator kind ('-', '/', '.', or 年月日): only one reading.
    std::string ascii(rest);
    for (const std::string_view mark : {"年", "月"}) {
      for (auto at = ascii.find(mark); at != std::string::npos; at = ascii.find(mark))
        ascii.replace(at, mark.size(), "-");
    }
    if (const auto at = ascii.find("日"); at != std::string::npos && at + 3 == ascii.size()) ascii.erase(at);
    char separator = 0;
    for (char c : ascii) {
      if (c == '-' || c == '/' || c == '.') {
        separator = c;
        break;
      }
    }
    const auto parts = separator != 0 ? split(ascii, separator) : std::vector<std::string_view>{};
    if (parts.size() != 3 || !all_digits(parts[0]) || !all_digits(parts[1]) || !all_digits(parts[2])) {
      return failure{"not a date: use YYYYMMDD or YYYY-MM-DD"};
    }
    if (parts[0].size() != 4) {
      return failure{"ambiguous (day and month order): use YYYY-MM-DD, or give the column a date format"};
    }
    if (parts[1].size() > 2 || parts[2].size() > 2) {
      return failure{"not a date: use YYYYMMDD or YYYY-MM-DD"};
    }
    year = to_int(parts[0]);
    month = to_int(parts[1]);
    day = to_int(parts[2]);
  }
  if (!valid_calendar_date(year, month, day)) return failure{"not a calendar date"};
  char text[32];  // room for any int: the year has 4 digits here, but the compiler cannot know
  std::snprintf(text, sizeof text, "%04d%02d%02d", year, month, day);
  return std::string(text);
}

result<std::string> normalise_time(std::string_view value) {
  std::string digits;
  std::string_view fraction;
  std::string_view main = value;
  if (const auto dot = value.find('.'); dot != std::string_view::npos) {
    main = value.substr(0, dot);
    fraction = value.substr(dot + 1);
    if (!all_digits(fraction) || fraction.size() > 6) return failure{"has a bad fraction of a second"};
  }
  if (main.find(':') != std::string_view::npos) {
    const auto parts = split(main, ':');
    if (parts.size() > 3) return failure{"not a time"};
    for (const auto part : parts) {
      if (part.size() != 2 || !all_digits(part)) return failure{"not a time: use HH:MM:SS or HHMMSS"};
      digits += part;
    }
  } else {
    digits = std::string(main);
  }
  if (!all_digits(digits) || (digits.size() != 2 && digits.size() != 4 && digits.size() != 6)) {
    return failure{"not a time: use HHMMSS"};
  }
  if (!fraction.empty() && digits.size() != 6) return failure{"has a fraction without seconds"};
  const int hours = to_int(std::string_view(digits).substr(0, 2));
  const int minutes = digits.size() >= 4 ? to_int(std::string_view(digits).substr(2, 2)) : 0;
  const int seconds = digits.size() == 6 ? to_int(std::string_view(digits).substr(4, 2)) : 0;
  if (hours > 23 || minutes > 59 || seconds > 60) return failure{"not a time of day"};
  return fraction.empty() ? digits : digits + "." + std::string(fraction);
}

result<std::string> normalise_datetime(std::string_view value) {
  // ISO 8601 "1970-01-31T10:20:30" -> "19700131102030"; DICOM's own form is checked as is.
  std::string_view zone;
  std::string_view main = value;
  if (const auto at = main.find_first_of("+&Z", 8); at != std::string_view::npos) {
    zone = main.substr(at);
    main = main.substr(0, at);
  } else if (const auto minus = main.rfind('-'); minus != std::string_view::npos && minus > 10) {
    zone = main.substr(minus);
    main = main.substr(0, minus);
  }
  std::string date_part(main.substr(0, std::min(main.find('T'), main.size())));
  std::string time_part = main.find('T') != std::string_view::npos ? std::string(main.substr(main.find('T') + 1)) : "";
  if (time_part.empty() && date_part.size() > 8 && all_digits(std::string_view(date_part).substr(0, 8))) {
    time_part = date_part.substr(8);
    date_part = date_part.substr(0, 8);
  }
  auto date = normalise_date(date_part);
  if (!date) return failure{"not a date-time"};
  std::string out = date.value();
  if (!time_part.empty()) {
    auto time = normalise_time(time_part);
    if (!time) return failure{"not a date-time"};
    out += time.value();
  }
  if (!zone.empty()) {
    std::string offset(zone);
    if (offset == "Z") offset = "+0000";
    offset.erase(std::remove(offset.begin(), offset.end(), ':'), offset.end());
    if (offset[0] == '&') offset[0] = '+';
    if (offset.size() != 5 || (offset[0] != '+' && offset[0] != '-') ||
        !all_digits(std::string_view(offset).substr(1)) || to_int(std::string_view(offset).substr(1, 2)) > 14 ||
        to_int(std::string_view(offset).substr(3, 2)) > 59) {
      return failure{"has a bad time zone offset"};
    }
    out += offset;
  }
  return out;
}

// --- Ages, numbers -----------------------------------------------------------------------

result<std::string> normalise_age(std::string_view value) {
  std::size_t digits = 0;
  while (digits < value.size() && value[digits] >= '0' && value[digits] <= '9') ++digits;
  if (digits == 0 || digits > 3) return failure{"not an age: use nnnY, nnnM, nnnW or nnnD"};
  const int number = to_int(value.substr(0, digits));
  const std::string unit = lower_ascii(trim(value.substr(digits)));
  struct age_unit {
    std::string_view name;
    char code;
  };
  static constexpr std::array<age_unit, 22> units = {
      {{"y", 'Y'},    {"yr", 'Y'},  {"yrs", 'Y'},  {"year", 'Y'},  {"years", 'Y'},  {"岁", 'Y'},
       {"周岁", 'Y'}, {"m", 'M'},   {"mo", 'M'},   {"month", 'M'}, {"months", 'M'}, {"月", 'M'},
       {"个月", 'M'}, {"w", 'W'},   {"wk", 'W'},   {"week", 'W'},  {"weeks", 'W'},  {"周", 'W'},
       {"d", 'D'},    {"day", 'D'}, {"days", 'D'}, {"天", 'D'}}};
  char letter = 0;
  for (const age_unit& known : units) {
    if (known.name == unit) letter = known.code;
  }
  if (letter == 0) {
    return failure{(unit.empty() ? "needs a unit (e.g. 065Y or '65 years')" : "has an unknown unit")};
  }
  char text[16];
  std::snprintf(text, sizeof text, "%03d%c", number, letter);
  return std::string(text);
}

bool is_decimal_string(std::string_view text) {
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  std::size_t mantissa = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++mantissa;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++mantissa;
  }
  if (mantissa == 0) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    std::size_t exponent = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++exponent;
    if (exponent == 0) return false;
  }
  return i == text.size();
}

// Units some attributes are commonly exported with, and the factor to DICOM's unit.
std::optional<double> unit_factor(std::string_view keyword, std::string_view unit) {
  const std::string name = lower_ascii(unit);
  if (keyword == "PatientWeight") {  // kilograms
    if (name == "kg" || name == "kgs" || name == "公斤" || name == "千克") return 1.0;
    if (name == "g") return 0.001;
    if (name == "lb" || name == "lbs") return 0.45359237;
  }
  if (keyword == "PatientSize") {  // metres
    if (name == "m" || name == "米") return 1.0;
    if (name == "cm" || name == "厘米") return 0.01;
    if (name == "mm") return 0.001;
  }
  return std::nullopt;
}

std::string shortest_decimal(double value) {
  char text[32];
  const auto [end, error] = std::to_chars(text, text + sizeof text, value);
  return error == std::errc() ? std::string(text, end) : std::to_string(value);
}

result<std::string> normalise_decimal(std::string_view keyword, std::string_view value) {
  std::size_t end = 0;
  while (end < value.size() && (std::isdigit(static_cast<unsigned char>(value[end])) || value[end] == '.' ||
                                value[end] == '+' || value[end] == '-' || value[end] == 'e' || value[end] == 'E')) {
    ++end;
  }
  const std::string_view number = value.substr(0, end);
  const std::string_view unit = trim(value.substr(end));
  if (!is_decimal_string(number)) return failure{"not a decimal number"};
  std::string out(number);
  if (!unit.empty()) {
    const auto factor = unit_factor(keyword, unit);
    if (!factor) return failure{"unit '" + std::string(unit) + "' is not one dcmflow converts"};
    if (*factor != 1.0) {
      double parsed = 0;
      std::from_chars(number.data(), number.data() + number.size(), parsed);
      out = shortest_decimal(parsed * *factor);
    }
  }
  if (out.size() > 16) return failure{"longer than the 16 characters DS allows"};
  return out;
}

result<std::string> check_integer(std::string_view value) {
  std::string_view digits = value;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) digits.remove_prefix(1);
  if (!all_digits(digits) || value.size() > 12) return failure{"not an integer"};
  long long number = 0;
  std::from_chars(value.data() + (value[0] == '+' ? 1 : 0), value.data() + value.size(), number);
  if (number < -2147483648LL || number > 2147483647LL) return failure{"outside the IS range"};
  return std::string(value);
}

result<std::string> check_uid(std::string_view value) {
  if (value.size() > 64) return failure{"longer than 64 characters"};
  for (const auto component : split(value, '.')) {
    if (!all_digits(component)) return failure{"not a UID (digits and dots)"};
    if (component.size() > 1 && component[0] == '0') return failure{"has a component with a leading zero"};
  }
  return std::string(value);
}

result<std::string> check_person_name(std::string_view value) {
  const auto groups = split(value, '=');
  if (groups.size() > 3) return failure{"has more than 3 component groups"};
  for (const auto group : groups) {
    if (split(group, '^').size() > 5) return failure{"has more than 5 name components"};
    if (utf8_length(group).value_or(0) > 64) return failure{"has a component group over 64 characters"};
  }
  return std::string(value);
}

// Keyword-specific spellings with one meaning.
std::optional<std::string> keyword_synonym(std::string_view keyword, std::string_view value) {
  const std::string word = lower_ascii(value);
  if (keyword == "PatientSex") {
    if (word == "m" || word == "male" || word == "man" || word == "男") return "M";
    if (word == "f" || word == "female" || word == "woman" || word == "女") return "F";
    if (word == "o" || word == "other" || word == "其他") return "O";
  }
  if (keyword == "SmokingStatus") {
    if (word == "yes" || word == "y" || word == "true" || word == "是") return "YES";
    if (word == "no" || word == "n" || word == "false" || word == "否") return "NO";
    if (word == "unknown" || word == "未知") return "UNKNOWN";
  }
  return std::nullopt;
}

// Code strings whose values PS3.3 enumerates, in the modules of the objects dcmflow writes
// (Patient, Patient Study, General Series, General Image, Encapsulated Document, SOP
// Common): any other value is an error for dciodvfy and for a PACS that checks.
struct enumerated_values {
  std::string_view keyword;
  std::array<std::string_view, 4> allowed;  // unused places empty
};
constexpr std::array<enumerated_values, 12> enumerations = {{
    {"PatientSex", {"M", "F", "O"}},                        // C.7.1.1
    {"PatientSexNeutered", {"ALTERED", "UNALTERED"}},       // C.7.1.1
    {"PatientIdentityRemoved", {"YES", "NO"}},              // C.7.1.1
    {"SmokingStatus", {"YES", "NO", "UNKNOWN"}},            // C.7.2.2
    {"Laterality", {"R", "L"}},                             // C.7.3.1
    {"ImageLaterality", {"R", "L", "U", "B"}},              // C.7.6.1
    {"BurnedInAnnotation", {"YES", "NO"}},                  // C.7.6.1, A.45.1
    {"RecognizableVisualFeatures", {"YES", "NO"}},          // C.7.6.1, A.45.1
    {"QualityControlImage", {"YES", "NO", "BOTH"}},         // C.7.6.1
    {"LossyImageCompression", {"00", "01"}},                // C.7.6.1
    {"PresentationLUTShape", {"IDENTITY", "INVERSE"}},      // C.7.6.1
    {"AnatomicalOrientationType", {"BIPED", "QUADRUPED"}},  // C.7.3.1
}};

result<std::string> check_enumerated(std::string_view keyword, std::string value) {
  for (const auto& each : enumerations) {
    if (each.keyword != keyword) continue;
    std::string choices;
    for (const std::string_view allowed : each.allowed) {
      if (allowed.empty()) continue;
      if (allowed == value) return value;
      choices += (choices.empty() ? "" : ", ") + std::string(allowed);
    }
    return failure{"not one of the values DICOM allows (" + choices + ")"};
  }
  return value;
}

result<std::string> check_code_string(std::string_view keyword, std::string_view value) {
  if (auto synonym = keyword_synonym(keyword, value)) return *synonym;
  std::string out(value);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (out.size() > 16) return failure{"longer than 16 characters"};
  if (!std::all_of(out.begin(), out.end(), [](char c) {
        return std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == ' ' ||
               c == '_';
      })) {
    return failure{"may hold only A-Z, 0-9, space and _"};
  }
  return check_enumerated(keyword, std::move(out));
}

struct string_limit {
  std::string_view vr;
  std::size_t characters;
};
constexpr std::array<string_limit, 9> string_limits = {{{"AE", 16},
                                                        {"SH", 16},
                                                        {"LO", 64},
                                                        {"ST", 1024},
                                                        {"LT", 10240},
                                                        {"UC", SIZE_MAX},
                                                        {"UT", 0xFFFFFFFEULL},
                                                        {"UR", 0xFFFFFFFEULL},
                                                        {"PN", SIZE_MAX}}};

// One value (no backslash inside) of a VR.
result<std::string> normalise_single(const value_target& target, std::string_view raw) {
  const std::string_view vr = target.vr;
  const bool text_vr = vr == "LT" || vr == "ST" || vr == "UT";
  // Leading spaces are significant only in the text VRs; trailing ones never are.
  std::string_view value = raw;
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (!text_vr) value = trim(value);
  if (value.empty()) return std::string();

  if (vr == "DA") return normalise_date(value);
  if (vr == "TM") return normalise_time(value);
  if (vr == "DT") return normalise_datetime(value);
  if (vr == "AS") return normalise_age(value);
  if (vr == "DS") return normalise_decimal(target.keyword, value);
  if (vr == "IS") return check_integer(value);
  if (vr == "UI") return check_uid(value);
  if (vr == "CS") return check_code_string(target.keyword, value);
  if (is_binary_vr(vr)) {
    if (auto encoded = encode_binary_value(vr, value); !encoded) return encoded.error();
    return std::string(value);
  }

  if (has_forbidden_control(value, text_vr)) return failure{"contains control characters"};
  const auto length = utf8_length(value);
  if (!length) return failure{"the value is not valid UTF-8"};
  if (vr == "AE" && !is_ascii_printable(value)) return failure{"may hold only ASCII characters"};
  if (vr == "UR" && value.find(' ') != std::string_view::npos) return failure{"may not contain spaces"};
  if (vr == "PN") return check_person_name(value);
  for (const auto& limit : string_limits) {
    if (limit.vr == vr && *length > limit.characters) {
      return failure{"longer than the " + std::to_string(limit.characters) + " characters " + std::string(vr) +
                     " allows"};
    }
  }
  return std::string(value);
}

}  // namespace

result<std::string> normalise_value(const value_target& target, std::string_view value) {
  const std::string_view vr = target.vr;
  // LT, ST, UT and UR hold one value in which a backslash is just a character.
  const bool single_valued = vr == "LT" || vr == "ST" || vr == "UT" || vr == "UR";
  const std::vector<std::string_view> values =
      single_valued ? std::vector<std::string_view>{value} : split(value, '\\');
  const multiplicity vm = parse_vm(target.vm);
  if (!value.empty() && (values.size() < vm.min || values.size() > vm.max)) {
    return failure{"has " + std::to_string(values.size()) + " values; " + std::string(target.keyword) + " takes " +
                   std::string(target.vm)};
  }
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    auto one = normalise_single(target, values[i]);
    if (!one) return one.error();
    if (i > 0) out += '\\';
    out += one.value();
  }
  return out;
}

}  // namespace dcmflow::dicom

namespace dcmflow::dicom {

result<void> check_plausible_dates(std::span<const attribute_assignment> attributes, std::string_view today) {
  std::string birth;
  std::string study;
  for (const auto& assignment : attributes) {  // the last assignment wins, as in the dataset
    if (assignment.keyword == "PatientBirthDate") birth = assignment.value;
    if (assignment.keyword == "StudyDate") study = assignment.value;
  }
  // Normalised DA values (YYYYMMDD) compare as text.
  if (birth.size() == 8 && birth > today) return failure{"PatientBirthDate is in the future"};
  if (birth.size() == 8 && study.size() == 8 && birth > study) return failure{"PatientBirthDate is after StudyDate"};
  if (study.size() == 8 && study > today) return failure{"StudyDate is in the future"};
  return {};
}

}  // namespace dcmflow::dicom
