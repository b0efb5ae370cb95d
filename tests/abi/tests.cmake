# The exported symbol set of libbiscuit.so is part of the API contract.
# Release-style builds only: sanitizer runtimes change link lines and exports.
if(NOT BISCUIT_SANITIZE)
  add_test(NAME abi/exports
    COMMAND bash ${PROJECT_SOURCE_DIR}/tests/abi/check_exports.sh
            $<TARGET_FILE:biscuit_shared>
            ${PROJECT_SOURCE_DIR}/include/biscuit/biscuit.h
            ${PROJECT_SOURCE_DIR}/tests/abi/symbols.txt)
  set_tests_properties(abi/exports PROPERTIES LABELS unit)
endif()
