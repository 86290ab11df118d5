#!/usr/bin/env bash
# Installs what is missing, builds conventiond (release preset), and runs the main job on the
# bundled demo: lists the plugins, then extracts every document in demo/documents and prints
# a table of the conventions found.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-deps.sh
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}" CCACHE_BASEDIR="$(pwd)" CCACHE_NOHASHDIR=1
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"

bin=build-release/conventiond
echo
echo "== conventiond plugins list"
"$bin" plugins list --plugin-dir build-release/plugins || true
echo
echo "== conventiond extract (demo/documents)"
printf '%-40s %-5s %-11s %-9s %-8s %s\n' "document" "dép." "signed_on" "period" "funding" "measures"
for doc in demo/documents/*; do
  "$bin" extract "$doc" --compact > /tmp/conventiond-demo.json
  python3 - "$doc" /tmp/conventiond-demo.json <<'PY'
import json, os, sys
doc, out = sys.argv[1], json.load(open(sys.argv[2]))
convs = out["conventions"] or [None]
for c in convs:
    if c is None:
        print("%-40s %s" % (os.path.basename(doc), "(no convention: not about a poverty convention)"))
        continue
    p = c.get("period")
    print("%-40s %-5s %-11s %-9s %-8d %s" % (os.path.basename(doc), c["departement"], c.get("signed_on") or "-",
          "%d-%d" % (p["start"], p["end"]) if p else "-", len(c.get("funding", [])), ",".join(c.get("measures", []))))
PY
done
echo
echo "Full JSON of one document: $bin extract demo/documents/haute-garonne-communique.html"
