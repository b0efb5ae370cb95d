# Unit tests: every tests/unit/<name>.c is one executable and one ctest test,
# linked against the internal object library (as curl links curlu).
file(GLOB BISCUIT_UNIT_TESTS CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/tests/unit/*.c)
foreach(src ${BISCUIT_UNIT_TESTS})
  get_filename_component(name ${src} NAME_WE)
  add_executable(unit_${name} ${src})
  target_link_libraries(unit_${name} PRIVATE biscuit_core PkgConfig::JANSSON)
  target_compile_options(unit_${name} PRIVATE ${BISCUIT_C_WARNINGS})
  target_compile_definitions(unit_${name} PRIVATE
    BISCUIT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  add_test(NAME unit/${name} COMMAND unit_${name}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(unit/${name} PROPERTIES LABELS unit)
endforeach()

# Further test fragments (data-driven runner, conformance, cli) live beside
# their data and register themselves.
file(GLOB BISCUIT_TEST_FRAGMENTS CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/tests/*/tests.cmake)
foreach(frag ${BISCUIT_TEST_FRAGMENTS})
  include(${frag})
endforeach()
