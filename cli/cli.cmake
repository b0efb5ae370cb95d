# The `biscuit` command. It links the public library only (plus jansson
# for JSON output, and libedit for the REPL's line editing when found)
# and includes nothing but <biscuit/biscuit.h> from the project
# (STYLE.md §3.7): no include path to the source tree is given.
file(GLOB BISCUIT_CLI_SRC CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/cli/*.c)
add_executable(biscuit_cli ${BISCUIT_CLI_SRC})
set_target_properties(biscuit_cli PROPERTIES OUTPUT_NAME biscuit)
target_link_libraries(biscuit_cli PRIVATE Biscuit::biscuit
  PkgConfig::JANSSON)
# Without libedit, `biscuit repl` still works, reading plain lines.
if(LIBEDIT_FOUND)
  target_link_libraries(biscuit_cli PRIVATE PkgConfig::LIBEDIT)
  target_compile_definitions(biscuit_cli PRIVATE BISCUIT_HAVE_LIBEDIT=1)
else()
  message(STATUS "libedit not found: biscuit repl without line editing")
endif()
target_compile_options(biscuit_cli PRIVATE ${BISCUIT_C_WARNINGS})
install(TARGETS biscuit_cli RUNTIME DESTINATION bin)
