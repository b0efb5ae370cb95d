# bench/: the benchmark program, linked like an application (the public
# static library) plus libsodium and OpenSSL for the signature floors,
# jansson for the JSON files and threads for the thread rows. The top
# level includes this file after the library targets exist:
#   include(${PROJECT_SOURCE_DIR}/bench/bench.cmake)
# bench/run builds a Release tree in build/bench and runs it. It is not a
# test: it reports numbers and judges nothing (not part of ctest).

if(NOT TARGET biscuit)
  message(FATAL_ERROR "bench/bench.cmake: include it after biscuit")
endif()

find_package(Threads REQUIRED)

# The verified-token cache rows (group 5) need biscuit_cache_*. The header
# declares them before the library defines them, so the rows are compiled
# in only when the library's own sources define all four functions (the
# library is not built yet at configure time, so a link test cannot run
# here). AUTO: decide from the sources; ON / OFF: force.
set(BISCUIT_BENCH_CACHE AUTO CACHE STRING
    "bench: time the verified-token cache (AUTO, ON, OFF)")
set_property(CACHE BISCUIT_BENCH_CACHE PROPERTY STRINGS AUTO ON OFF)
if(BISCUIT_BENCH_CACHE STREQUAL "AUTO")
  set(_bench_cache 1)
  foreach(_fn biscuit_cache_new biscuit_cache_free
          biscuit_cache_token_from_bytes biscuit_cache_stats)
    set(_found 0)
    foreach(_src ${BISCUIT_OWN_SRC})
      if(_src MATCHES "\\.(c|cc)$")
        file(STRINGS ${_src} _hit REGEX "^([^ \t/*#].*[ *])?${_fn}[ \t]*\\(")
        if(_hit)
          set(_found 1)
          break()
        endif()
      endif()
    endforeach()
    if(NOT _found)
      set(_bench_cache 0)
    endif()
  endforeach()
elseif(BISCUIT_BENCH_CACHE)
  set(_bench_cache 1)
else()
  set(_bench_cache 0)
endif()

add_executable(bench_request
  ${PROJECT_SOURCE_DIR}/bench/bench_request.c
  ${PROJECT_SOURCE_DIR}/bench/bench_datalog.c
  ${PROJECT_SOURCE_DIR}/bench/bench_threads.c
  ${PROJECT_SOURCE_DIR}/bench/harness.c)
target_include_directories(bench_request PRIVATE ${PROJECT_SOURCE_DIR})
target_compile_definitions(bench_request PRIVATE
  BENCH_HAVE_CACHE=${_bench_cache})
target_link_libraries(bench_request PRIVATE biscuit PkgConfig::SODIUM
  PkgConfig::JANSSON OpenSSL::Crypto Threads::Threads m)
target_compile_options(bench_request PRIVATE ${BISCUIT_C_WARNINGS})
add_custom_target(bench DEPENDS bench_request)

# bench_soak: a million requests in one process and the RSS they leave
# (scripts/soak.sh builds a Release tree and runs it; see bench/soak.c).
add_executable(bench_soak ${PROJECT_SOURCE_DIR}/bench/soak.c)
target_link_libraries(bench_soak PRIVATE biscuit)
target_compile_options(bench_soak PRIVATE ${BISCUIT_C_WARNINGS})
