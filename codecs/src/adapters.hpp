#pragma once
// The adapters, one pair per library (after dicom-rs' adapters), each implemented in
// src/<codec>_codec.cpp. The table (transfer_syntaxes.cpp) is the only caller; `option` is
// the --codec option's value, 0 when none was given. A library this build leaves out has
// its factories in unbuilt_backends.cpp, which make nothing.

#include <memory>

#include <dcmflow/codecs/codec.hpp>

namespace dcmflow::codecs::adapters {

// Uncompressed pixels: Explicit VR Little Endian, and Deflated Explicit VR Little Endian
// (whose deflation covers the whole dataset and is done where the file is written; a frame
// deflated here is what `dcmflow bench` measures).
std::unique_ptr<encoder> native_encoder(const transfer_syntax& syntax, double option);
std::unique_ptr<decoder> native_decoder(const transfer_syntax& syntax);

// RLE Lossless (PS3.5 Annex G), written here.
std::unique_ptr<encoder> rle_encoder(const transfer_syntax& syntax, double option);
std::unique_ptr<decoder> rle_decoder(const transfer_syntax& syntax);

// JPEG-LS lossless and near-lossless (ISO/IEC 14495-1) through CharLS; option: NEAR.
std::unique_ptr<encoder> jpegls_encoder(const transfer_syntax& syntax, double option);
std::unique_ptr<decoder> jpegls_decoder(const transfer_syntax& syntax);

// JPEG 2000 (ISO/IEC 15444-1) through OpenJPEG; option: the compression ratio (0: lossless).
std::unique_ptr<encoder> j2k_encoder(const transfer_syntax& syntax, double option);
std::unique_ptr<decoder> j2k_decoder(const transfer_syntax& syntax);

// High-Throughput JPEG 2000 (ISO/IEC 15444-15) through OpenJPH; option: the ratio (0: lossless).
std::unique_ptr<encoder> htj2k_encoder(const transfer_syntax& syntax, double option);
std::unique_ptr<decoder> htj2k_decoder(const transfer_syntax& syntax);

// JPEG Baseline (ISO/IEC 10918-1, process 1) through libjpeg-turbo; option: the quality.
std::unique_ptr<encoder> jpeg_encoder(const transfer_syntax& syntax, double option);
std::unique_ptr<decoder> jpeg_decoder(const transfer_syntax& syntax);

}  // namespace dcmflow::codecs::adapters
