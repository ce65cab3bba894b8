# The fuzz preset builds the decoders' fuzzers (codecs/ alone) and the Part 10 fuzzer,
# which links the engine's dicom module: the engine's dependencies, without tests or bench.
set(DCMFLOW_BUILD_TESTS OFF)
set(DCMFLOW_BUILD_BENCH OFF)
include(${CMAKE_CURRENT_LIST_DIR}/dependencies.cmake)
