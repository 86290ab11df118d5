#!/usr/bin/env bash
# The code of docs/writing-a-connector.md is built and run, so that a wrong name in the docs
# fails CI instead of a reader: every fenced block after a `<!-- snippet: PATH -->` line is
# appended to PATH in a fresh project (the class and its config into my_source.cpp, the
# CMakeLists.txt of step 5, the job file and replay folder of step 6), which is built against
# the SDK installed from BUILD_DIR (as tests/out_of_tree/run.sh does), warnings as errors,
# loaded, and run with `conventiond connector test --replay`.
#   usage: doc_snippets.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
bin="$build/conventiond"
doc="$src/docs/writing-a-connector.md"
work=$(mktemp -d "${TMPDIR:-/tmp}/conventiond-doc.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

python3 - "$doc" "$work/project" <<'PY'
import os, re, sys
doc, out = sys.argv[1], sys.argv[2]
lines = open(doc, encoding="utf-8").read().split("\n")
written = {}
i = 0
while i < len(lines):
    m = re.match(r"<!-- snippet: (\S+)", lines[i])
    i += 1
    if not m:
        continue
    path = m.group(1)
    assert lines[i].startswith("```"), f"{doc}:{i + 1}: a snippet marker must precede a fenced block"
    i += 1
    block = []
    while not lines[i].startswith("```"):
        block.append(lines[i])
        i += 1
    target = os.path.join(out, path)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "a", encoding="utf-8") as f:
        f.write("\n".join(block) + "\n")
    written[path] = written.get(path, 0) + 1
for p in ("my_source.cpp", "CMakeLists.txt", "job.toml", "replay/index.json"):
    assert p in written, f"{doc}: no snippet for {p}"
print("snippets:", ", ".join(f"{p} ({n})" for p, n in sorted(written.items())))
PY

cmake --install "$build" --component sdk --prefix "$work/prefix" > /dev/null
generator=""
if command -v ninja >/dev/null 2>&1; then generator="-GNinja"; fi
cmake -S "$work/project" -B "$work/build" $generator -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="$work/prefix" \
      -DCMAKE_CXX_FLAGS="-Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror" > "$work/cmake.txt" \
  || { cat "$work/cmake.txt"; fail "the docs' CMakeLists.txt does not configure"; }
cmake --build "$work/build" || fail "the docs' connector does not build against the installed SDK"

"$bin" plugins list --plugin-dir "$work/build" > "$work/list.txt" 2>&1 \
  || fail "plugins list: $(cat "$work/list.txt")"
grep -q "^my_source  *1\.0\.0  *source" "$work/list.txt" || fail "my_source is not listed: $(cat "$work/list.txt")"

cd "$work/project"
"$bin" connector test "$work/build/my_source.so" --config job.toml --replay replay > "$work/out.jsonl" \
  || fail "connector test of the docs' connector failed: $(cat "$work/out.jsonl")"
[ "$(grep -c '"type":"document"' "$work/out.jsonl")" -eq 1 ] || fail "not one document: $(cat "$work/out.jsonl")"
grep -q '"type":"observation","from":"https://www.example.gouv.fr/communiques/signature","origin":"extraction"' \
  "$work/out.jsonl" || fail "no observation of the saved page: $(cat "$work/out.jsonl")"
grep -q '"type":"summary","plugin":"my_source","requests":2,' "$work/out.jsonl" \
  || fail "the mailto: link or the redirect were not handled as documented: $(cat "$work/out.jsonl")"
echo "PASS: the code of docs/writing-a-connector.md builds, loads and passes its replay test"
