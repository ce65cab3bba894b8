#pragma once
/* The C interface between the front and dcmflow-decoder.so (decoder_plugin.hpp): plain C
 * types, so that neither side depends on the other's C++ library or build. */

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What one call gives back. `bytes` (malloc'd by the plugin) holds the uncompressed Part 10
 * file; the caller hands it back with dcmflow_release_decoded. */
struct dcmflow_decoded {
  unsigned char* bytes;
  size_t size;
  char error[1024]; /* why it failed, NUL-terminated; empty on success */
};

/* 1: decoded into `out`; 0: failed, and out->error says why. (C: typedef, not using.) */
/* NOLINTNEXTLINE(modernize-use-using) */
typedef int dcmflow_decode_function(const char* path, struct dcmflow_decoded* out);
/* NOLINTNEXTLINE(modernize-use-using) */
typedef void dcmflow_release_function(struct dcmflow_decoded* decoded);

#define DCMFLOW_DECODE_SYMBOL "dcmflow_read_uncompressed_part10"
#define DCMFLOW_RELEASE_SYMBOL "dcmflow_release_decoded"

#ifdef __cplusplus
}
#endif
