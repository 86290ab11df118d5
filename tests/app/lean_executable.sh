#!/usr/bin/env bash
# The lean executable (core/app/main.cpp): `extract` of a local file runs without the command
# library's dependencies; every other command loads libconventiond_cli.so; a missing library is
# a clear error, not a crash.   usage: lean_executable.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
bin="$build/conventiond"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. The executable does not link what only the other commands use.
needed=$(readelf -d "$bin" | awk '/NEEDED/ {print $NF}')
for lib in libcurl libpq libsqlite3 libtomlplusplus libssl libcrypto libboost_program_options; do
  if grep -q "$lib" <<<"$needed"; then fail "conventiond links $lib: $needed"; fi
done

# 2. extract of a local file works, and gives the facts.
"$bin" extract "$src/tests/fixtures/documents/corpus/belfort-communique.html" --compact > "$tmp/out.json" \
  || fail "extract failed"
grep -q '"departement":"90"' "$tmp/out.json" || fail "extract printed no facts: $(head -c 300 "$tmp/out.json")"

# 3. Other commands go through the library: their answers, and their errors, come back.
"$bin" check-config "$src/config/demo.toml" --plugin-dir "$build/plugins" > "$tmp/check.txt" 2>&1 \
  || fail "check-config of the demo config failed: $(cat "$tmp/check.txt")"
"$bin" --help | grep -q "usage: conventiond" || fail "--help does not print the usage"
set +e
"$bin" no-such-command > /dev/null 2> "$tmp/err.txt"
rc=$?
set -e
[ "$rc" = 2 ] || fail "unknown command exit code $rc"
grep -q "unknown command 'no-such-command'" "$tmp/err.txt" || fail "unknown command: $(cat "$tmp/err.txt")"

# 4. Without the library: extract still works; the rest says what is missing.
cp "$bin" "$tmp/conventiond"
"$tmp/conventiond" extract "$src/tests/fixtures/documents/corpus/belfort-communique.html" > /dev/null \
  || fail "extract needs the library"
set +e
"$tmp/conventiond" check-config "$src/config/demo.toml" > /dev/null 2> "$tmp/err.txt"
rc=$?
set -e
[ "$rc" = 1 ] || fail "missing library: exit code $rc"
grep -q "libconventiond_cli.so is missing" "$tmp/err.txt" || fail "missing library: $(cat "$tmp/err.txt")"
echo "lean executable: ok"
