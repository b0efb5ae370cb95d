# CLI tests: every tests/cli/<name>.sh (but lib.sh, which they source) is
# one ctest test, cli/<name>, run with bash and given the built `biscuit`.
# Each prints "N passed, N failed" and fails on any mismatch.
if(TARGET biscuit_cli)
  find_program(BISCUIT_BASH bash REQUIRED)
  file(GLOB BISCUIT_CLI_TESTS CONFIGURE_DEPENDS
       ${PROJECT_SOURCE_DIR}/tests/cli/*.sh)
  list(FILTER BISCUIT_CLI_TESTS EXCLUDE REGEX "/lib\\.sh$")
  foreach(script ${BISCUIT_CLI_TESTS})
    get_filename_component(name ${script} NAME_WE)
    add_test(NAME cli/${name}
             COMMAND ${BISCUIT_BASH} ${script} $<TARGET_FILE:biscuit_cli>
             WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
    set_tests_properties(cli/${name} PROPERTIES LABELS cli TIMEOUT 300)
  endforeach()
endif()
