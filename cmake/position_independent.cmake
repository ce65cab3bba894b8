# dcmflow-decoder.so is linked from the engine's static libraries, so their code must be
# position-independent; the programs' own code need not be (Debian's GCC makes executables
# PIE, which reaches globals directly). dcmflow_position_independent_closure(TARGET) turns
# on POSITION_INDEPENDENT_CODE for every static library of this project that TARGET links,
# directly or through others; imported libraries are Debian's shared ones.
function(dcmflow_position_independent_closure target)
  set(pending ${target})
  set(seen)
  while(pending)
    list(POP_FRONT pending current)
    if(NOT TARGET ${current})
      continue()  # a system library or a linker flag
    endif()
    get_target_property(aliased ${current} ALIASED_TARGET)
    if(aliased)
      set(current ${aliased})
    endif()
    get_target_property(imported ${current} IMPORTED)
    if(imported OR current IN_LIST seen)
      continue()
    endif()
    list(APPEND seen ${current})
    set_property(TARGET ${current} PROPERTY POSITION_INDEPENDENT_CODE ON)
    foreach(property LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
      get_target_property(linked ${current} ${property})
      if(linked)
        list(APPEND pending ${linked})
      endif()
    endforeach()
  endwhile()
endfunction()
