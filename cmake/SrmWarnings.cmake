# Compiler warnings for the project's own targets (never for third-party headers).
function(srm_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-unused-parameter)
  # GCC 12 reports false array-bounds / stringop-overflow / restrict errors inside libstdc++'s
  # std::string at -O3 (GCC bugs 105329, 105651); they would break -Werror builds.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-array-bounds -Wno-stringop-overflow -Wno-restrict)
  endif()
  if(SRM_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(SRM_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

# Link options every executable needs so that the loader finds LibTorch's CUDA libraries at
# link and run time without LD_LIBRARY_PATH.
function(srm_executable_rpath target)
  foreach(dir IN LISTS SRM_TORCH_CUDA_LIB_DIRS)
    target_link_options(${target} PRIVATE "-Wl,-rpath-link,${dir}")
  endforeach()
  set_target_properties(${target} PROPERTIES BUILD_RPATH "${SRM_TORCH_LIB_DIR};${SRM_TORCH_CUDA_LIB_DIRS}"
                                             INSTALL_RPATH "${SRM_TORCH_LIB_DIR};${SRM_TORCH_CUDA_LIB_DIRS}")
endfunction()
