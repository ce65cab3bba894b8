#pragma once
// `dcmflow store`: existing DICOM files go to the destinations as they are.
//
// Nothing here makes pixels, so none of the libraries that do (GDCM, libvips, the codecs)
// is linked where only this runs: `dcmflow store` starts in milliseconds, as storescu does.
// A file is decoded only when a destination refuses its transfer syntax, by the decoder
// the caller gives.
//
// No flow graph either: there is no CPU stage to spread. Each sender thread takes the next
// file, reads it and sends it, from its first byte to the peer's last response, so a file
// never changes threads and an idle scheduler never spins beside the PACS (on a 2-core
// machine a spinning TBB worker took 0.1 s of CPU from Orthanc per 340 files). Files in
// flight are bounded by the senders, and their bytes by a budget taken before a file is read
// (one file larger than the budget still goes, alone).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "convert/archive_reader.hpp"
#include "convert/input_listing.hpp"
#include "core/item.hpp"
#include "core/result.hpp"
#include "store/destination.hpp"
#include "store/outage_gate.hpp"

namespace dcmflow::send {

// A Part 10 file as the same object with its pixels decoded (Explicit VR Little Endian),
// as Part 10 bytes.
using uncompressed_decoder = std::function<result<std::string>(const std::filesystem::path& file)>;

struct send_options {
  std::vector<std::shared_ptr<store::destination>> destinations;
  uncompressed_decoder decode_uncompressed;  // null: a refused transfer syntax fails the item
  convert::archive_limits archives;
  // Sender threads: this many, or as many as a destination keeps busy when that is more (a
  // DIMSE peer: its associations; STOW-RS: its batch times the requests in flight).
  std::size_t senders = 1;
  std::uint64_t max_bytes_in_flight = 1ULL << 30;  // of the files being sent
  // How long a destination may stay unreachable before it is given up (outage_gate.hpp).
  std::chrono::milliseconds outage_limit = store::default_outage_limit;
};

// Sends every input to every destination, each asked whatever the others answered
// (store/item_delivery.hpp); one record per input, in input order, holding each
// destination's answer (an item is stored only when every destination took it). `on_each` (optional) sees each record
// as its item finishes, never concurrently.
[[nodiscard]] std::vector<item_record> send_files(std::span<const convert::input_file> inputs,
                                                  const send_options& options,
                                                  const std::function<void(const item_record&)>& on_each = {});

}  // namespace dcmflow::send
