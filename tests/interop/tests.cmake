# Interoperability with the reference implementation (@biscuit-auth/biscuit-wasm
# run by node): tokens made here verify and authorize there, and the other
# way round. interop.sh exits 77 (reported as skipped) when the package is
# not installed in tests/interop/node_modules (scripts/install-deps.sh).
# Release-style builds only: node dominates its run time, and the sanitizer
# builds already cover the same library paths through the unit tests.
if(TARGET biscuit_cli AND NOT BISCUIT_SANITIZE)
  find_program(BISCUIT_NODE node)
  find_program(BISCUIT_BASH bash)
  if(BISCUIT_NODE AND BISCUIT_BASH)
    add_test(NAME interop/reference
             COMMAND ${BISCUIT_BASH} ${PROJECT_SOURCE_DIR}/tests/interop/interop.sh
                     $<TARGET_FILE:biscuit_cli> ${BISCUIT_NODE}
             WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
    set_tests_properties(interop/reference PROPERTIES
      LABELS interop SKIP_RETURN_CODE 77 TIMEOUT 300)
  endif()
endif()
