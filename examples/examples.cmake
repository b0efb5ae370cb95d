# The README's example program, built against the public library only.
add_executable(example_service ${PROJECT_SOURCE_DIR}/examples/service.c)
target_link_libraries(example_service PRIVATE Biscuit::biscuit)
target_compile_options(example_service PRIVATE ${BISCUIT_C_WARNINGS})
