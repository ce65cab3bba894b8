# The codec libraries (codecs/ links only these), each as its build option asks.
find_package(PkgConfig REQUIRED)
find_package(ZLIB REQUIRED)                                          # zlib1g-dev
if(DCMFLOW_WITH_CHARLS)
  find_package(charls 2.2 REQUIRED)                                  # libcharls-dev
endif()
if(DCMFLOW_WITH_OPENJPEG)
  pkg_check_modules(OPENJPEG REQUIRED IMPORTED_TARGET libopenjp2)     # libopenjp2-7-dev
endif()
if(DCMFLOW_WITH_LIBJPEG_TURBO)
  pkg_check_modules(TURBOJPEG REQUIRED IMPORTED_TARGET libturbojpeg)  # libturbojpeg0-dev
endif()
if(DCMFLOW_WITH_OPENJPH)
  # Debian's openjph.pc is empty (no -I or -l): name the library by hand.
  find_library(OPENJPH_LIBRARY openjph REQUIRED)
  find_path(OPENJPH_INCLUDE_DIR openjph/ojph_codestream.h REQUIRED)
  add_library(PkgConfig::OPENJPH INTERFACE IMPORTED)
  target_link_libraries(PkgConfig::OPENJPH INTERFACE ${OPENJPH_LIBRARY})
  target_include_directories(PkgConfig::OPENJPH SYSTEM INTERFACE ${OPENJPH_INCLUDE_DIR})
endif()
