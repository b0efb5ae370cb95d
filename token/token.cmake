# token/: the protobuf schema is compiled by protoc-c at build time into
# ${PROJECT_BINARY_DIR}/generated/token/biscuit.pb-c.{c,h} (never
# committed). Only token/codec.c includes the header. The generated C is
# compiled without our warning flags; our token/ sources additionally get
# -Wconversion (STYLE 3.9).

set(BTK_PROTO ${PROJECT_SOURCE_DIR}/token/biscuit.proto)
set(BTK_GEN_DIR ${PROJECT_BINARY_DIR}/generated/token)
set(BTK_GEN_C ${BTK_GEN_DIR}/biscuit.pb-c.c)
set(BTK_GEN_H ${BTK_GEN_DIR}/biscuit.pb-c.h)

add_custom_command(
  OUTPUT ${BTK_GEN_C} ${BTK_GEN_H}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${BTK_GEN_DIR}
  COMMAND ${PROTOC_C} --proto_path=${PROJECT_SOURCE_DIR}
          --c_out=${PROJECT_BINARY_DIR}/generated ${BTK_PROTO}
  DEPENDS ${BTK_PROTO}
  COMMENT "protoc-c token/biscuit.proto"
  VERBATIM)

# Listing the header makes it a build-order dependency of every source in
# biscuit_core, so codec.c never compiles before it exists.
target_sources(biscuit_core PRIVATE ${BTK_GEN_C} ${BTK_GEN_H})
set_source_files_properties(${BTK_GEN_C} ${BTK_GEN_H} PROPERTIES
  GENERATED TRUE)
set_source_files_properties(${BTK_GEN_C} PROPERTIES COMPILE_OPTIONS
  "-w")

set_property(SOURCE ${BISCUIT_TOKEN_SRC} APPEND PROPERTY COMPILE_OPTIONS
  -Wconversion)
