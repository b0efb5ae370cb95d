# fuzz/: libFuzzer harnesses (clang only, BISCUIT_FUZZ=ON). The top level
# includes this file once biscuit_core exists:
#   if(BISCUIT_FUZZ) include(${PROJECT_SOURCE_DIR}/fuzz/fuzz.cmake) endif()
# fuzz/run configures build/fuzz with clang and runs the targets.
#
# The library objects get coverage instrumentation (fuzzer-no-link) and,
# unless BISCUIT_SANITIZE already applies sanitizers everywhere, ASan and
# UBSan; the harnesses link libFuzzer's main. Every harness also becomes a
# ctest test that replays its seeds and regressions once (-runs=0).

if(NOT TARGET biscuit_core)
  message(FATAL_ERROR "fuzz/fuzz.cmake: include it after biscuit_core")
endif()
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang" OR
   NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "BISCUIT_FUZZ needs clang: configure with "
          "-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++")
endif()

set(BISCUIT_FUZZ_SAN address,undefined)
set(BISCUIT_FUZZ_DIR ${PROJECT_SOURCE_DIR}/fuzz)

target_compile_options(biscuit_core PRIVATE -fsanitize=fuzzer-no-link)
if(NOT BISCUIT_SANITIZE)
  target_compile_options(biscuit_core PRIVATE
    -fsanitize=${BISCUIT_FUZZ_SAN} -fno-sanitize-recover=all
    -fno-omit-frame-pointer)
  # Whatever links these objects needs the sanitizer runtimes too.
  target_link_options(biscuit_core INTERFACE
    -fsanitize=${BISCUIT_FUZZ_SAN})
  foreach(t biscuit biscuit_shared)
    if(TARGET ${t})
      target_link_options(${t} PUBLIC -fsanitize=${BISCUIT_FUZZ_SAN})
    endif()
  endforeach()
endif()

set(BISCUIT_FUZZ_TARGETS fuzz_token_decode fuzz_datalog_parse
    fuzz_authorize fuzz_token_eval fuzz_snapshot fuzz_regex fuzz_base64)
foreach(name ${BISCUIT_FUZZ_TARGETS})
  add_executable(${name} ${BISCUIT_FUZZ_DIR}/${name}.c)
  target_link_libraries(${name} PRIVATE biscuit_core)
  target_compile_options(${name} PRIVATE ${BISCUIT_C_WARNINGS}
    -fsanitize=fuzzer,${BISCUIT_FUZZ_SAN} -fno-sanitize-recover=all
    -fno-omit-frame-pointer)
  target_link_options(${name} PRIVATE
    -fsanitize=fuzzer,${BISCUIT_FUZZ_SAN})

  # Replay: seeds plus minimized crash reproducers, each input once.
  # fuzz_token_eval reads the token seeds (see fuzz/run seeds_for)
  set(seeds ${name})
  if(name STREQUAL "fuzz_token_eval")
    set(seeds fuzz_token_decode)
  endif()
  set(dirs)
  if(IS_DIRECTORY ${BISCUIT_FUZZ_DIR}/corpus/${seeds})
    list(APPEND dirs ${BISCUIT_FUZZ_DIR}/corpus/${seeds})
  endif()
  if(IS_DIRECTORY ${BISCUIT_FUZZ_DIR}/regressions/${name})
    list(APPEND dirs ${BISCUIT_FUZZ_DIR}/regressions/${name})
  endif()
  add_test(NAME fuzz/${name} COMMAND ${name} -runs=0 ${dirs}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(fuzz/${name} PROPERTIES LABELS fuzz)
endforeach()
add_custom_target(fuzz DEPENDS ${BISCUIT_FUZZ_TARGETS})
