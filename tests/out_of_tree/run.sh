#!/bin/sh
# Builds tests/out_of_tree against the SDK installed from BUILD_DIR, then checks that
# `conventiond plugins list` loads it without error.
#   usage: tests/out_of_tree/run.sh BUILD_DIR [CONVENTIOND_EXE]
# CONVENTIOND_EXE defaults to BUILD_DIR/conventiond; CXX, when set, picks the compiler.
set -eu

if [ $# -lt 1 ]; then
  echo "usage: $0 BUILD_DIR [CONVENTIOND_EXE]" >&2
  exit 2
fi
build_dir=$(cd "$1" && pwd)
exe=${2:-$build_dir/conventiond}
source_dir=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/conventiond-oot.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

step() { echo "== $*"; }

step "install the SDK from $build_dir"
cmake --install "$build_dir" --component sdk --prefix "$work/prefix"

step "configure and build the out-of-tree plugin"
generator=""
if command -v ninja >/dev/null 2>&1; then generator="-GNinja"; fi
cmake -S "$source_dir" -B "$work/build" $generator -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="$work/prefix"
cmake --build "$work/build"

step "load it with $exe plugins list"
status=0
"$exe" plugins list --plugin-dir "$work/build/plugins" >"$work/list.txt" 2>&1 || status=$?
cat "$work/list.txt"
if [ "$status" -ne 0 ]; then
  echo "FAIL: plugins list exited with status $status" >&2
  exit 1
fi
if ! grep -q "^oot_example  *0\.1\.0  *source  *2 " "$work/list.txt"; then
  echo "FAIL: oot_example is not listed" >&2
  exit 1
fi
if grep -q "^error:" "$work/list.txt"; then
  echo "FAIL: a load error was reported" >&2
  exit 1
fi
echo "PASS: the out-of-tree plugin builds against the installed SDK and loads"
