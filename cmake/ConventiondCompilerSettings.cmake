# Per-target warnings and sanitizers (added to project targets only, never to imported ones).
function(conventiond_target_settings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE
      -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow
      -Wnon-virtual-dtor -Wold-style-cast -Wimplicit-fallthrough)
    if(CONVENTIOND_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endif()
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12)
    # GCC 12 at -O3 (Release) reports -Wrestrict and -Wmaybe-uninitialized inside libstdc++'s
    # std::string and std::optional (GCC PR 105329, 105651): false positives nobody can act on.
    # The other builds (-O2, -O0) keep both warnings, as errors.
    target_compile_options(${target} PRIVATE
      "$<$<CONFIG:Release>:-Wno-restrict;-Wno-maybe-uninitialized>")
  endif()
  if(CONVENTIOND_BUILD_FUZZERS)
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address,undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
  if(CONVENTIOND_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

# Plugins are shared objects loaded with dlopen: when the host is sanitized, they must be too,
# but they must not link the sanitizer runtime themselves (the executable has it).
function(conventiond_plugin_settings target)
  conventiond_target_settings(${target})
  set_target_properties(${target} PROPERTIES PREFIX "" CXX_VISIBILITY_PRESET hidden
                        VISIBILITY_INLINES_HIDDEN ON
                        LIBRARY_OUTPUT_DIRECTORY "${PROJECT_BINARY_DIR}/plugins")
endfunction()
