#pragma once
// What a rendered page depends on besides the document itself: LibreOffice's build and the
// fonts fontconfig can find. The same document renders to the same pixels, and so the same
// pages, only where both are the same; a resumed run (or another machine) with other fonts
// would put other pages under the same UIDs. A run records this in its journal and refuses
// to go on under another (README, "Deterministic rendering").

#include <cstddef>
#include <string>

namespace dcmflow::office {

struct rendering_environment {
  std::string libreoffice;  // "LibreOffice build 40(Build:2) 5e3c9a0f1b2d"
  std::string fonts;        // "fonts 1f0e...: 112 files"
  [[nodiscard]] std::string text() const { return libreoffice + "; " + fonts; }
};

// Read from LibreOffice's version file and the font folders fontconfig searches; no process
// is started.
[[nodiscard]] rendering_environment current_rendering_environment();

// fontconfig's cache brought up to date (fc-cache) before LibreOffice renders anything: a
// document rendered while the cache was still being built came out with 88 pages, not 84.
void settle_font_cache();

}  // namespace dcmflow::office
