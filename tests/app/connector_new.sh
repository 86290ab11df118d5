#!/usr/bin/env bash
# `conventiond connector new`: the project it writes builds against the installed SDK (as
# tests/out_of_tree/run.sh installs it), warnings as errors, loads, and passes its own replay
# test; bad names and an existing folder are refused.
#   usage: connector_new.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
bin="$build/conventiond"
work=$(mktemp -d "${TMPDIR:-/tmp}/conventiond-new.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. Names: identifier characters only; nothing written when refused.
for bad in "My-Source" "1source" "my source" "../escape" "Source"; do
  set +e
  "$bin" connector new "$bad" --dir "$work" > /dev/null 2> "$work/err.txt"
  rc=$?
  set -e
  [ "$rc" -eq 2 ] || fail "connector new '$bad' exited $rc, not 2"
  grep -q "conventiond connector new: '$bad'" "$work/err.txt" \
    || fail "connector new '$bad' does not name it: $(cat "$work/err.txt")"
done
[ -z "$(ls -A "$work" | grep -v err.txt)" ] || fail "a refused name wrote something: $(ls "$work")"

# 2. The project, then a refusal to overwrite it.
"$bin" connector new my_source --dir "$work" > "$work/new.txt" || fail "connector new failed"
for f in CMakeLists.txt connector.cpp README.md job.toml replay/index.json; do
  [ -f "$work/my_source/$f" ] || fail "connector new wrote no $f"
done
grep -q '| `start_urls` |' "$work/my_source/README.md" || fail "the README lists no config key"
echo "// mine" >> "$work/my_source/connector.cpp"
set +e
"$bin" connector new my_source --dir "$work" > /dev/null 2> "$work/err.txt"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "connector new over an existing folder exited $rc, not 2"
grep -q "already exists" "$work/err.txt" || fail "no 'already exists': $(cat "$work/err.txt")"
tail -n 1 "$work/my_source/connector.cpp" | grep -q "// mine" || fail "the existing project was overwritten"

# 3. It builds against the installed SDK alone, warnings as errors.
cmake --install "$build" --component sdk --prefix "$work/prefix" > /dev/null
generator=""
if command -v ninja >/dev/null 2>&1; then generator="-GNinja"; fi
cmake -S "$work/my_source" -B "$work/build" $generator -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="$work/prefix" -DCONVENTIOND_EXE="$bin" \
      -DCMAKE_CXX_FLAGS="-Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror" > "$work/cmake.txt" \
  || { cat "$work/cmake.txt"; fail "the generated project does not configure"; }
cmake --build "$work/build" || fail "the generated project does not build"

# 4. It loads, and its replay test passes (ctest of the generated project, then by hand).
"$bin" plugins list --plugin-dir "$work/build/plugins" > "$work/list.txt" 2>&1 \
  || fail "plugins list: $(cat "$work/list.txt")"
grep -q "^my_source  *0\.1\.0  *source" "$work/list.txt" || fail "my_source is not listed: $(cat "$work/list.txt")"
ctest --test-dir "$work/build" --output-on-failure > "$work/ctest.txt" 2>&1 \
  || { cat "$work/ctest.txt"; fail "the generated project's replay test fails"; }
grep -q "1 tests passed\|100% tests passed" "$work/ctest.txt" || fail "no test ran: $(cat "$work/ctest.txt")"
"$bin" connector test "$work/build/plugins/my_source.so" --config "$work/my_source/job.toml" \
  --replay "$work/my_source/replay" > "$work/out.jsonl" || fail "connector test of the new project failed"
[ "$(grep -c '"type":"document"' "$work/out.jsonl")" -eq 1 ] || fail "not one document: $(cat "$work/out.jsonl")"
grep -q '"type":"observation"' "$work/out.jsonl" || fail "no observation extracted: $(cat "$work/out.jsonl")"
grep -q '"type":"log","from":"https://www.example.gouv.fr/communiques/","plugin":"my_source","level":"info"' \
  "$work/out.jsonl" || fail "no log line of the plugin: $(cat "$work/out.jsonl")"
echo "PASS: connector new writes a project that builds, loads and passes its replay test"
