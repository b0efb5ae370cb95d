# bench/: benchmark programs, linked like an application (the public
# static library) plus libsodium for the signature floor. The top level
# includes this file after the library targets exist:
#   include(${PROJECT_SOURCE_DIR}/bench/bench.cmake)
# bench/run builds a Release tree in build/bench and runs them. They are
# not tests: they report numbers and judge nothing.

if(NOT TARGET biscuit)
  message(FATAL_ERROR "bench/bench.cmake: include it after biscuit")
endif()

add_executable(bench_request ${PROJECT_SOURCE_DIR}/bench/bench_request.c)
target_link_libraries(bench_request PRIVATE biscuit PkgConfig::SODIUM)
target_compile_options(bench_request PRIVATE ${BISCUIT_C_WARNINGS})
add_custom_target(bench DEPENDS bench_request)
