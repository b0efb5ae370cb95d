# The installed library works for a consumer (pkg-config and CMake).
# Release-style builds only: sanitizer runtimes change link lines and exports.
if(NOT BISCUIT_SANITIZE)
  add_test(NAME install/consumer
    COMMAND bash ${PROJECT_SOURCE_DIR}/tests/install/consumer.sh
            ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR} ${CMAKE_C_COMPILER})
  set_tests_properties(install/consumer PROPERTIES LABELS unit
    RUN_SERIAL TRUE)
endif()
