// Destination URLs as users write them: what each option sets, and the words a mistake gets.

#include <gtest/gtest.h>

#include <string>

#include "store/destination.hpp"
#include "store/dimse_destination.hpp"
#include "store/stow_destination.hpp"
#include "store/url_options.hpp"

namespace dcmflow::store {
namespace {

TEST(url_options, splits_pairs_in_order_with_and_without_values) {
  const auto options = url_options("a=1&flag&&b=x=y&c=");
  ASSERT_EQ(options.size(), 4U);
  EXPECT_EQ(options[0].key, "a");
  EXPECT_EQ(options[0].value, "1");
  EXPECT_EQ(options[1].key, "flag");
  EXPECT_EQ(options[1].value, "");
  EXPECT_EQ(options[2].key, "b");
  EXPECT_EQ(options[2].value, "x=y");  // only the first '=' splits
  EXPECT_EQ(options[3].key, "c");
  EXPECT_TRUE(url_options("").empty());
}

TEST(dicom_url, gives_the_peer_and_every_option) {
  auto url = parse_dicom_url(
      "dicom://PACS@10.0.0.5:11112?calling=ME&associations=8&max_per_association=100"
      "&connect_timeout_s=3&dimse_timeout_s=30&max_attempts=2&transcode=never",
      network_options{});
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(url->called_ae, "PACS");
  EXPECT_EQ(url->host, "10.0.0.5");
  EXPECT_EQ(url->port, 11112);
  EXPECT_FALSE(url->tls);
  EXPECT_EQ(url->options.calling_ae, "ME");
  EXPECT_EQ(url->options.associations, 8U);
  EXPECT_EQ(url->options.max_instances_per_association, 100U);
  EXPECT_EQ(url->options.connect_timeout_s, 3);
  EXPECT_EQ(url->options.dimse_timeout_s, 30);
  EXPECT_EQ(url->options.max_attempts, 2);
  EXPECT_EQ(url->options.transcode, transcode_policy::never);
}

TEST(dicom_url, options_in_the_url_win_over_the_defaults) {
  network_options defaults;
  defaults.calling_ae = "DEFAULT";
  defaults.associations = 2;
  auto url = parse_dicom_url("dicom://PACS@host:104?associations=6", defaults);
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(url->options.calling_ae, "DEFAULT");
  EXPECT_EQ(url->options.associations, 6U);
}

// Each mistake is named, with the URL it was found in.
TEST(dicom_url, mistakes_say_what_is_wrong) {
  const auto why = [](const std::string& text) {
    auto url = parse_dicom_url(text, network_options{});
    return url ? std::string("accepted") : url.error().message;
  };
  EXPECT_NE(why("dicom://host:104").find("expected dicom://CALLED_AE@host:port"), std::string::npos);
  EXPECT_NE(why("dicom://A_TITLE_LONGER_THAN_16@host:104").find("at most 16 characters"), std::string::npos);
  EXPECT_NE(why("dicom://PACS@host").find("expected a host and a port"), std::string::npos);
  EXPECT_NE(why("dicom://PACS@host:0").find("the port is a number from 1 to 65535"), std::string::npos);
  EXPECT_NE(why("dicom://PACS@host:70000").find("the port is a number from 1 to 65535"), std::string::npos);
  EXPECT_NE(why("dicom://PACS@host:104?associations=0").find("'associations' is out of range"), std::string::npos);
  EXPECT_NE(why("dicom://PACS@host:104?transcode=maybe").find("transcode: lossless, never or any"), std::string::npos);
  EXPECT_NE(why("dicom://PACS@host:104?colour=red").find("unknown option 'colour'"), std::string::npos);
  EXPECT_NE(why("dicom://PACS@host:104?ca=/etc/hostname").find("for dicoms:// (TLS) only"), std::string::npos);
  EXPECT_NE(why("dicoms://PACS@host:104").find("dicoms:// needs ca=FILE"), std::string::npos);
  EXPECT_EQ(why("dicom://PACS@host:104"), "accepted");
}

TEST(dicoms_url, needs_a_ca_and_takes_cert_and_key_together) {
  auto alone = parse_dicom_url("dicoms://PACS@host:2762?ca=/etc/hostname&cert=/etc/hostname", network_options{});
  ASSERT_FALSE(alone);
  EXPECT_NE(alone.error().message.find("cert and key go together"), std::string::npos);
  auto missing = parse_dicom_url("dicoms://PACS@host:2762?ca=/no/such/ca.pem", network_options{});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("no such file /no/such/ca.pem"), std::string::npos);
  auto named =
      parse_dicom_url("dicoms://PACS@10.1.1.1:2762?ca=/etc/hostname&verify_name=pacs.example", network_options{});
  ASSERT_TRUE(named) << named.error().message;
  EXPECT_TRUE(named->tls);
  EXPECT_EQ(named->verify_name, "pacs.example");
}

// A password is never shown: messages, the journal, reports and file names use this.
TEST(redacted_url, hides_the_password_and_keeps_the_rest) {
  EXPECT_EQ(redacted_url("https://alice:s3cret@pacs.example/dicom-web?batch=5"),
            "https://alice:***@pacs.example/dicom-web?batch=5");
  EXPECT_EQ(redacted_url("dicom://PACS@host:104"), "dicom://PACS@host:104");
  EXPECT_EQ(redacted_url("https://pacs.example/dicom-web"), "https://pacs.example/dicom-web");
}

TEST(stow_url, reads_its_options) {
  auto url = parse_stow_url("https://pacs.example:8443/dicom-web?batch=20&in_flight=2");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(url->root, "https://pacs.example:8443/dicom-web");
  EXPECT_EQ(url->batch, 20U);
  EXPECT_EQ(url->in_flight, 2U);
}

TEST(stow_url, refuses_credentials_over_plain_http) {
  auto plain = parse_stow_url("http://alice:s3cret@pacs.example/dicom-web");
  ASSERT_FALSE(plain);
  EXPECT_EQ(plain.error().message.find("s3cret"), std::string::npos) << plain.error().message;
  EXPECT_TRUE(parse_stow_url("http://alice:s3cret@pacs.example/dicom-web?allow_insecure=1"));
}

}  // namespace
}  // namespace dcmflow::store
