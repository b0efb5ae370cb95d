# parser/: bison and flex run at build time; their outputs land in
# ${PROJECT_BINARY_DIR}/generated/parser/ (never committed) and join the
# biscuit_core object library, compiled without our warning flags.
# find_package(BISON) and find_package(FLEX) are done by the top level.

set(BPA_GEN_DIR ${PROJECT_BINARY_DIR}/generated/parser)
file(MAKE_DIRECTORY ${BPA_GEN_DIR})

BISON_TARGET(bpa_grammar ${PROJECT_SOURCE_DIR}/parser/grammar.y
             ${BPA_GEN_DIR}/grammar.c
             DEFINES_FILE ${BPA_GEN_DIR}/grammar.h
             COMPILE_FLAGS "-Wall")
FLEX_TARGET(bpa_lexer ${PROJECT_SOURCE_DIR}/parser/lexer.l
            ${BPA_GEN_DIR}/lexer.c)
ADD_FLEX_BISON_DEPENDENCY(bpa_lexer bpa_grammar)

target_sources(biscuit_core PRIVATE
  ${BISON_bpa_grammar_OUTPUTS} ${FLEX_bpa_lexer_OUTPUTS})
set_source_files_properties(${BISON_bpa_grammar_OUTPUTS}
  ${FLEX_bpa_lexer_OUTPUTS} PROPERTIES COMPILE_OPTIONS "-w")
