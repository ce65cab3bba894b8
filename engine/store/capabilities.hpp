#pragma once
// What a DIMSE peer accepts, asked before anything is sent (`dcmflow capabilities`, and
// `codec: auto`). Each storage SOP class is proposed once per transfer syntax dcmflow
// writes, each context with that one syntax, so the peer answers every pair; the other
// services dcmflow uses (Verification, Storage Commitment, Study Root Find/Get/Move, UPS)
// get one context each with the uncompressed syntaxes. An association carries at most 128
// contexts (PS3.8 9.3.2.2: odd IDs 1-255); more go on further associations.
//
// Orthanc 1.10 answers a transfer syntax it lacks (HTJ2K) with "abstract syntax not
// supported". The class's Explicit VR Little Endian context tells the two cases apart: when
// the peer accepted that one, the class is supported and the syntax is what it refused.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "store/dimse_destination.hpp"

namespace dcmflow::store {

struct context_answer {
  std::string abstract_syntax;  // a SOP class UID
  std::string transfer_syntax;  // the one proposed (for a service: the first of the two)
  bool accepted = false;
  std::string reason;  // "accepted", "transfer syntax not supported"... (PS3.8 Table 9-18)
};

struct peer_capabilities {
  std::vector<context_answer> contexts;

  [[nodiscard]] bool accepts(std::string_view sop_class, std::string_view transfer_syntax) const;
};

// The storage SOP classes dcmflow writes: Secondary Capture (single and multi-frame) and
// Encapsulated PDF.
[[nodiscard]] std::span<const std::string_view> written_storage_classes();
// The services asked about besides storage.
[[nodiscard]] std::span<const std::string_view> probed_services();
// The first of `by_preference` the peer accepts for every image class dcmflow writes
// ("none" when it accepts none of them: Explicit VR Little Endian). The preference is the
// caller's (job/automatic_codec.hpp): the store links no codec library.
[[nodiscard]] std::string best_lossless_codec(const peer_capabilities& peer,
                                              std::span<const codec_choice> by_preference);

// What `codec: auto` gives one destination (destination::choose_automatic_codec, defined
// here for each kind): a folder takes anything (JPEG-LS); a DIMSE peer is asked
// (probe_capabilities) and gets the best lossless codec it accepts for every image class,
// with the classes dcmflow writes that it does not take at all; a DICOMweb server gets the
// best one its vendor endpoint lists (web_capabilities.hpp), and fails when it has none
// dcmflow knows.

// "SecondaryCaptureImageStorage", as DCMTK's dictionary names a UID; the UID itself when
// it has no name for it.
[[nodiscard]] std::string uid_keyword(const std::string& uid);

// Proposes `storage_classes`, each with every one of `transfer_syntaxes` (Explicit VR Little
// Endian among them, to tell a refused syntax from a refused class), and the probed services
// to `peer`; fails when no association can be opened, saying why (rejection, TLS).
[[nodiscard]] result<peer_capabilities> probe_capabilities(const dicom_url& peer,
                                                           std::span<const std::string> storage_classes,
                                                           std::span<const std::string> transfer_syntaxes);

}  // namespace dcmflow::store
