// STOW-RS responses read as PS3.18 10.5.3 and Table 10.5.3-1 say, without a server: an
// instance is stored only when the Referenced SOP Sequence names it.

#include "store/stow_response.hpp"

#include <gtest/gtest.h>

#include <string>

namespace dcmflow::store {
namespace {

// A response as Orthanc and dcm4chee write it: one stored, one refused (C000), one out of
// resources (A700); the fourth instance of the request is not named at all.
const std::string mixed_response = R"([{
  "00081190": {"vr": "UR", "Value": ["http://pacs/dicom-web/studies/1.2.3"]},
  "00081199": {"vr": "SQ", "Value": [
    {"00081150": {"vr": "UI", "Value": ["1.2.840.10008.5.1.4.1.1.7"]},
     "00081155": {"vr": "UI", "Value": ["1.2.3.1"]}}]},
  "00081198": {"vr": "SQ", "Value": [
    {"00081155": {"vr": "UI", "Value": ["1.2.3.2"]}, "00081197": {"vr": "US", "Value": [49152]}},
    {"00081155": {"vr": "UI", "Value": ["1.2.3.3"]}, "00081197": {"vr": "US", "Value": [42752]}}]}
}])";

instance_verdict verdict(const stow_verdicts& verdicts, const std::string& uid, std::string* text = nullptr) {
  const stow_failure* failure = nullptr;
  const instance_verdict found = verdict_for(verdicts, uid, &failure);
  if (text != nullptr) *text = failure != nullptr ? failure->text : "";
  return found;
}

TEST(stow_response, each_instance_is_judged_by_what_the_response_says_of_it) {
  const stow_verdicts verdicts = read_stow_verdicts(mixed_response);
  std::string text;
  EXPECT_EQ(verdict(verdicts, "1.2.3.1"), instance_verdict::stored);
  EXPECT_EQ(verdict(verdicts, "1.2.3.2", &text), instance_verdict::refused);
  EXPECT_EQ(text, "Failure Reason C000");
  EXPECT_EQ(verdict(verdicts, "1.2.3.3", &text), instance_verdict::out_of_resources);
  EXPECT_EQ(text, "Failure Reason A700");
  EXPECT_EQ(verdict(verdicts, "1.2.3.4"), instance_verdict::unconfirmed);
}

TEST(stow_response, a_body_that_confirms_nothing_stores_nothing) {
  // 200 with an empty body, HTML from a proxy, truncated JSON, DICOM JSON of the wrong
  // types: nothing counts as stored.
  for (const std::string& body :
       {std::string(), std::string("<html>OK</html>"), std::string(mixed_response.substr(0, 120)),
        std::string(R"({"00081199": {"vr": "SQ", "Value": "1.2.3.1"}})"),
        std::string(R"({"00081199": {"vr": "SQ", "Value": [["1.2.3.1"]]}})"),
        std::string(R"({"00081199": {"vr": "SQ", "Value": [{"00081155": "1.2.3.1"}]}})")}) {
    EXPECT_EQ(verdict(read_stow_verdicts(body), "1.2.3.1"), instance_verdict::unconfirmed) << body;
  }
}

TEST(stow_response, a_failure_without_a_reason_is_a_refusal_that_says_so) {
  const stow_verdicts verdicts =
      read_stow_verdicts(R"({"00081198": {"vr": "SQ", "Value": [{"00081155": {"vr": "UI", "Value": ["1.2.3.9"]}}]}})");
  std::string text;
  EXPECT_EQ(verdict(verdicts, "1.2.3.9", &text), instance_verdict::refused);
  EXPECT_EQ(text, "no Failure Reason given");
}

TEST(stow_response, the_http_status_says_what_to_do_with_the_request) {
  EXPECT_EQ(meaning_of_status(200, 3), stow_status_meaning::verdicts);
  EXPECT_EQ(meaning_of_status(202, 3), stow_status_meaning::verdicts);  // some stored, some not
  EXPECT_EQ(meaning_of_status(409, 3), stow_status_meaning::verdicts);  // none stored: the body says why
  EXPECT_EQ(meaning_of_status(413, 3), stow_status_meaning::halve);
  EXPECT_EQ(meaning_of_status(413, 1), stow_status_meaning::refuses_request);  // one instance too large
  for (const long busy : {429L, 500L, 502L, 503L, 504L}) {
    EXPECT_EQ(meaning_of_status(busy, 3), stow_status_meaning::try_again) << busy;
  }
  for (const long us : {401L, 403L, 404L, 415L}) EXPECT_EQ(meaning_of_status(us, 3), stow_status_meaning::refuses_us);
  for (const long other : {201L, 204L, 301L, 400L, 406L}) {
    EXPECT_EQ(meaning_of_status(other, 3), stow_status_meaning::refuses_request) << other;
  }
}

}  // namespace
}  // namespace dcmflow::store
