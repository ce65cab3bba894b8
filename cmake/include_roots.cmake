# Each module's headers are included as "module/file.hpp". So that a target sees only the
# headers of the modules it links, each module has an include root of its own in the build
# folder, holding one link: <root>/<module> -> the module's folder. Linking the module is
# the only way to get its root (tests/CMakeLists.txt checks that an include of a module
# not linked fails to build).
#
# dcmflow_include_root(TARGET PUBLIC|PRIVATE FOLDER): FOLDER's headers as "<name of FOLDER>/...".
function(dcmflow_include_root target visibility folder)
  get_filename_component(folder ${folder} ABSOLUTE)
  get_filename_component(module ${folder} NAME)
  set(root ${CMAKE_BINARY_DIR}/include_roots/${target})
  file(MAKE_DIRECTORY ${root})
  file(CREATE_LINK ${folder} ${root}/${module} SYMBOLIC)
  target_include_directories(${target} ${visibility} ${root})
endfunction()
