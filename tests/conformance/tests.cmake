# Conformance: the official samples through the public API only. One
# ctest test per sample token (conformance/test001 ...), each running
# conformance_samples over that sample's entry in samples.json.
add_executable(conformance_samples
  ${PROJECT_SOURCE_DIR}/tests/conformance/samples.c)
target_link_libraries(conformance_samples PRIVATE biscuit
  PkgConfig::JANSSON)
target_compile_options(conformance_samples PRIVATE ${BISCUIT_C_WARNINGS})

file(GLOB BISCUIT_SAMPLE_TOKENS CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/tests/data/samples/test*.bc)
foreach(bc ${BISCUIT_SAMPLE_TOKENS})
  get_filename_component(stem ${bc} NAME_WE)
  string(REGEX MATCH "^test[0-9]+" id ${stem})
  add_test(NAME conformance/${id}
           COMMAND conformance_samples tests/data/samples/samples.json ${id}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(conformance/${id} PROPERTIES LABELS conformance)
endforeach()
