# Malformed-token corpus (perf-and-threats.md B4). corpus/ and
# expected.txt are committed; generate.py (python3, stdlib) writes the
# unsigned files and the table, gen_signed writes the signed-*.bc files.
# See tests/malformed/README.md.
add_executable(run_corpus ${PROJECT_SOURCE_DIR}/tests/malformed/run_corpus.c)
target_link_libraries(run_corpus PRIVATE biscuit PkgConfig::JANSSON)
target_compile_options(run_corpus PRIVATE ${BISCUIT_C_WARNINGS})
target_compile_definitions(run_corpus PRIVATE
  BISCUIT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_test(NAME malformed/corpus COMMAND run_corpus
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(malformed/corpus PROPERTIES LABELS malformed
  TIMEOUT 300)

# The signed files must be what gen_signed writes today (deterministic
# Ed25519 signatures and fixed keys): regenerate with
#   gen_signed tests/malformed/corpus
add_executable(gen_signed ${PROJECT_SOURCE_DIR}/tests/malformed/gen_signed.c)
target_link_libraries(gen_signed PRIVATE biscuit_core PkgConfig::JANSSON)
target_compile_options(gen_signed PRIVATE ${BISCUIT_C_WARNINGS})
target_compile_definitions(gen_signed PRIVATE
  BISCUIT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_test(NAME malformed/signed_fresh
         COMMAND gen_signed --check tests/malformed/corpus
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(malformed/signed_fresh PROPERTIES LABELS malformed)

# The unsigned files and expected.txt must be what generate.py writes.
find_program(BISCUIT_PYTHON3 python3)
if(BISCUIT_PYTHON3)
  add_test(NAME malformed/generate_fresh
           COMMAND ${BISCUIT_PYTHON3} tests/malformed/generate.py --check
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(malformed/generate_fresh PROPERTIES LABELS malformed)
endif()
