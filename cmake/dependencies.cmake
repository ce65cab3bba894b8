# Every dependency is a Debian 12 package (scripts/setup.sh installs them); nothing
# is downloaded at configure time.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

find_package(TBB REQUIRED)                       # libtbb-dev
find_package(GDCM REQUIRED)                      # libgdcm-dev
find_package(CLI11 REQUIRED)                     # libcli11-dev
find_package(nlohmann_json 3.10 REQUIRED)        # nlohmann-json3-dev

pkg_check_modules(VIPS REQUIRED IMPORTED_TARGET vips)   # libvips-dev

# Codecs
find_package(charls 2.2 REQUIRED)                                  # libcharls-dev
pkg_check_modules(OPENJPEG REQUIRED IMPORTED_TARGET libopenjp2)     # libopenjp2-7-dev
pkg_check_modules(TURBOJPEG REQUIRED IMPORTED_TARGET libturbojpeg)  # libturbojpeg0-dev
find_package(ZLIB REQUIRED)                                        # zlib1g-dev
# Debian's openjph.pc is empty (no -I or -l): name the library by hand.
find_library(OPENJPH_LIBRARY openjph REQUIRED)
find_path(OPENJPH_INCLUDE_DIR openjph/ojph_codestream.h REQUIRED)
add_library(PkgConfig::OPENJPH INTERFACE IMPORTED)
target_link_libraries(PkgConfig::OPENJPH INTERFACE ${OPENJPH_LIBRARY})
target_include_directories(PkgConfig::OPENJPH SYSTEM INTERFACE ${OPENJPH_INCLUDE_DIR})

if(DCMFLOW_BUILD_TESTS)
  find_package(GTest REQUIRED)                   # libgtest-dev, libgmock-dev
  find_program(DCMFLOW_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH REQUIRED)
endif()
if(DCMFLOW_BUILD_BENCH)
  find_package(benchmark REQUIRED)               # libbenchmark-dev
endif()
