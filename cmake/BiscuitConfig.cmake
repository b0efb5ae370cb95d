# CMake package for libbiscuit: find_package(Biscuit) then link
# Biscuit::biscuit (static) or Biscuit::biscuit_shared.
include(CMakeFindDependencyMacro)
find_dependency(OpenSSL 3 COMPONENTS Crypto)
find_dependency(PkgConfig)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(PROTOBUFC REQUIRED IMPORTED_TARGET libprotobuf-c)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
include("${CMAKE_CURRENT_LIST_DIR}/BiscuitTargets.cmake")
