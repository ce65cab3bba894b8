# Warnings for dcmflow's own targets only; third-party headers come in as SYSTEM
# includes through their imported targets and stay quiet.
function(dcmflow_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough
    # GCC 12 at -O3 reports -Wrestrict inside std::string's operator+ (GCC bug 105329):
    # a false positive in libstdc++ itself, not in our code.
    $<$<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>>:-Wno-restrict>
    $<$<BOOL:${DCMFLOW_WARNINGS_AS_ERRORS}>:-Werror>)
endfunction()
