# Adversarial suite (perf-and-threats.md A4(d)): one ctest test per case
# of tests/adversarial/adversarial.c, each its own process so that the
# peak-memory figure (VmHWM) belongs to that case alone.
add_executable(adversarial
  ${PROJECT_SOURCE_DIR}/tests/adversarial/adversarial.c)
target_link_libraries(adversarial PRIVATE biscuit_core PkgConfig::JANSSON)
target_compile_options(adversarial PRIVATE ${BISCUIT_C_WARNINGS})
target_compile_definitions(adversarial PRIVATE
  BISCUIT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")

set(BISCUIT_ADVERSARIAL_CASES
  join4 join5 join6 join7 join8 crossjoin3
  regex_facts regex_nested regex_repeat regex_1k regex_match_cost
  regex_1k_unicode strdouble deep_parens deep_closures checks64x1000 chain10k
  blocks65 pbdepth array_nest sizes)
foreach(case ${BISCUIT_ADVERSARIAL_CASES})
  add_test(NAME adversarial/${case} COMMAND adversarial ${case}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(adversarial/${case} PROPERTIES
    LABELS adversarial TIMEOUT 300)
endforeach()
