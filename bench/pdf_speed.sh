#!/usr/bin/env bash
# PDF through `conventiond extract` (whole process) against `pdftotext -layout` on the same
# file, side by side: wall time (hyperfine), instructions (callgrind, deterministic on a
# shared machine) and peak RSS on a 13-page and a generated 400-page PDF.
#   bash bench/pdf_speed.sh [BINARY] [PDF]
# Needs hyperfine, valgrind, qpdf, poppler-utils (scripts/setup-deps.sh installs them).
set -euo pipefail
bin=${1:-build/conventiond}
pdf=${2:-../shared/corpus/docs/bas-rhin-convention.pdf}
[ -f "$pdf" ] || pdf=tests/fixtures/documents/corpus/bas-rhin-convention.pdf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== wall time (hyperfine): $pdf"
hyperfine -N -w 3 -r 30 "pdftotext -layout $pdf $tmp/out.txt" "$bin extract $pdf"

echo "== instructions (callgrind, whole process)"
count() {
  valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$@" > /dev/null 2> "$tmp/cg.err"
  grep -o 'Collected : [0-9]*' "$tmp/cg.err" | awk '{print $3}'
}
p=$(count pdftotext -layout "$pdf" "$tmp/out.txt")
c=$(count "$bin" extract "$pdf")
s=$(count "$bin" --version)
echo "pdftotext -layout: $p   conventiond extract: $c   (process start alone: $s)"
awk -v c="$c" -v p="$p" 'BEGIN { printf "ratio: %.2f\n", c / p }'

echo "== peak RSS by page count (the PDF repeated with qpdf)"
pages=$(qpdf --show-npages "$pdf")
for target in 13 100 400; do
  copies=$(( (target + pages - 1) / pages ))
  args=()
  for _ in $(seq "$copies"); do args+=("$pdf"); done
  qpdf --empty --pages "${args[@]}" -- "$tmp/many.pdf"
  n=$(qpdf --show-npages "$tmp/many.pdf")
  rss=$( { /usr/bin/time -f '%M' "$bin" extract "$tmp/many.pdf" > /dev/null; } 2>&1 | tail -1)
  prss=$( { /usr/bin/time -f '%M' pdftotext -layout "$tmp/many.pdf" "$tmp/out.txt"; } 2>&1 | tail -1)
  echo "$n pages: conventiond extract $((rss / 1024)) MiB, pdftotext -layout $((prss / 1024)) MiB"
done
