# The README's example program, driven with tokens from the command.
# The example keeps the default 1 ms time limit, as a service would: run it
# in release-style builds, where a request takes microseconds.
if(TARGET biscuit_cli AND TARGET example_service AND NOT BISCUIT_SANITIZE)
  add_test(NAME examples/service
    COMMAND bash ${PROJECT_SOURCE_DIR}/tests/examples/service.sh
            $<TARGET_FILE:biscuit_cli> $<TARGET_FILE:example_service>)
  set_tests_properties(examples/service PROPERTIES LABELS cli)
endif()
add_test(NAME examples/readme
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/examples/readme.sh
          ${PROJECT_SOURCE_DIR})
set_tests_properties(examples/readme PROPERTIES LABELS unit)
