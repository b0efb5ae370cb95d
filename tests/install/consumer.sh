#!/usr/bin/env bash
# Installs the build into a temporary prefix and builds the README's
# example against it twice: through pkg-config and through the CMake
# package. Proves the installed headers, libraries and metadata work.
set -eu
build="$1" src="$2" cc="${3:-cc}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
if "$cc" -o "$tmp/ex-pc" "$src/examples/service.c" \
    $(pkg-config --cflags --libs biscuit) -Wl,-rpath,"$tmp/prefix/lib" &&
   ! "$tmp/ex-pc" >/dev/null 2>&1 && [ -x "$tmp/ex-pc" ]; then
  pass=$((pass + 1))
else
  fail=$((fail + 1)); echo "FAIL: pkg-config consumer"
fi
mkdir -p "$tmp/cm"
cat > "$tmp/cm/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.20)
project(consumer C CXX)
find_package(Biscuit REQUIRED)
add_executable(ex "$src/examples/service.c")
target_link_libraries(ex Biscuit::biscuit)
CM
if cmake -S "$tmp/cm" -B "$tmp/cm/b" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
     >/dev/null 2>&1 && cmake --build "$tmp/cm/b" >/dev/null 2>&1; then
  pass=$((pass + 1))
else
  fail=$((fail + 1)); echo "FAIL: CMake package consumer"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
