# Every dependency is a Debian 12 package (scripts/setup.sh installs them); nothing
# is downloaded at configure time.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

find_package(TBB REQUIRED)                       # libtbb-dev
find_package(GDCM REQUIRED)                      # libgdcm-dev
find_package(CLI11 REQUIRED)                     # libcli11-dev
find_package(nlohmann_json 3.10 REQUIRED)        # nlohmann-json3-dev
find_package(OpenSSL REQUIRED)                   # libssl-dev (SHA-256)
find_package(DCMTK CONFIG REQUIRED)              # libdcmtk-dev (DIMSE: dcmnet)
find_package(CURL REQUIRED)                      # libcurl4-openssl-dev (DICOMweb)
find_path(CSV_INCLUDE_DIR csv.h REQUIRED)        # libcsv-dev (manifests)
find_path(LIBREOFFICEKIT_INCLUDE_DIR LibreOfficeKit/LibreOfficeKit.hxx REQUIRED)  # libreofficekit-dev
set(DCMFLOW_LIBREOFFICE_PROGRAM /usr/lib/libreoffice/program CACHE PATH
    "LibreOffice's program folder (libreoffice-writer-nogui)")
find_library(CSV_LIBRARY csv REQUIRED)

pkg_check_modules(VIPS REQUIRED IMPORTED_TARGET vips)   # libvips-dev
pkg_check_modules(POPPLER_GLIB REQUIRED IMPORTED_TARGET poppler-glib)  # libpoppler-glib-dev (PDF page sizes)
pkg_check_modules(LIBARCHIVE REQUIRED IMPORTED_TARGET libarchive)  # libarchive-dev
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)        # libsqlite3-dev (journal)
pkg_check_modules(YAML_CPP REQUIRED IMPORTED_TARGET yaml-cpp)      # libyaml-cpp-dev (job files)
pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)      # libjemalloc-dev (LibreOffice workers)

include(${CMAKE_CURRENT_LIST_DIR}/codec_dependencies.cmake)

if(DCMFLOW_BUILD_TESTS)
  find_package(GTest REQUIRED)                   # libgtest-dev, libgmock-dev
  find_program(DCMFLOW_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH REQUIRED)
endif()
if(DCMFLOW_BUILD_BENCH)
  find_package(benchmark REQUIRED)               # libbenchmark-dev
endif()
