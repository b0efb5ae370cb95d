# The data-driven tests. tests/datalog/*.test and policies/*/*.test are run
# by `biscuit test` (cli/cmd_test.c), through the public API, one ctest test
# per file; bx_testrun runs the official samples' Datalog on the internal
# layer.
file(GLOB BISCUIT_RUNNER_SRC CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/tests/runner/*.c)
add_executable(bx_testrun ${BISCUIT_RUNNER_SRC})
target_link_libraries(bx_testrun PRIVATE biscuit_core PkgConfig::JANSSON)
target_compile_options(bx_testrun PRIVATE ${BISCUIT_C_WARNINGS})

file(GLOB BISCUIT_DATALOG_TESTS CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/tests/datalog/*.test)
foreach(f ${BISCUIT_DATALOG_TESTS})
  get_filename_component(stem ${f} NAME_WE)
  add_test(NAME datalog/${stem}
           COMMAND $<TARGET_FILE:biscuit_cli> test ${f}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(datalog/${stem} PROPERTIES LABELS datalog)
endforeach()

# policies/<situation>/*.test: the example policy sets' own cases.
file(GLOB BISCUIT_POLICY_TESTS CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/policies/*/*.test)
foreach(f ${BISCUIT_POLICY_TESTS})
  get_filename_component(stem ${f} NAME_WE)
  get_filename_component(dir ${f} DIRECTORY)
  get_filename_component(situation ${dir} NAME)
  add_test(NAME policy/${situation}/${stem}
           COMMAND $<TARGET_FILE:biscuit_cli> test ${f}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(policy/${situation}/${stem} PROPERTIES
                       LABELS policy)
endforeach()

add_test(NAME conformance/datalog-samples
         COMMAND bx_testrun --samples tests/data/samples/samples.json
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(conformance/datalog-samples PROPERTIES
                     LABELS conformance)
