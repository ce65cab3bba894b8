# The fuzz preset builds codecs/ alone: only the codec libraries are needed.
include(${CMAKE_CURRENT_LIST_DIR}/codec_dependencies.cmake)
