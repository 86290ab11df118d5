#!/usr/bin/env bash
# The man pages are made from what they document (core/app/man_pages.cpp): conventiond(1) names
# every command `conventiond --help` prints, conventiond.toml(5) every section and key of
# docs/configuration.md, and groff renders both without a warning.
#   usage: man_pages.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
man1="$build/man/conventiond.1"
man5="$build/man/conventiond.toml.5"
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -s "$man1" ] || fail "$man1 is missing"
[ -s "$man5" ] || fail "$man5 is missing"

# 1. Every command of --help: its words up to the first argument (upper case, [, -) or the
#    summary (after two spaces).
commands=$("$build/conventiond" --help | awk '/^  [a-z]/ {
  line = substr($0, 3); cut = index(line, "  "); if (cut > 0) line = substr(line, 1, cut - 1)
  n = split(line, w, " "); name = ""
  for (i = 1; i <= n; i++) { if (w[i] !~ /^[a-z][a-z-]*$/) break; name = name (name == "" ? "" : " ") w[i] }
  print name }')
count=0
while IFS= read -r cmd; do
  [ -n "$cmd" ] || continue
  roff=${cmd//-/\\-}
  grep -qF "\\fBconventiond $roff\\fR" "$man1" || fail "conventiond(1) does not document '$cmd'"
  count=$((count + 1))
done <<<"$commands"
[ "$count" -ge 7 ] || fail "only $count commands read from --help: $commands"
gzip -dc "$man1.gz" | cmp -s - "$man1" || fail "conventiond.1.gz is not conventiond.1"

# 2. Every section heading and every key of the reference's tables.
plain5=$(sed -E 's/\\f[BIR]//g; s/\\-/-/g' "$man5")
while IFS= read -r heading; do
  text=$(sed -E 's/^## //; s/`//g' <<<"$heading")
  grep -qF ".SH \"$text\"" <<<"$plain5" || fail "conventiond.toml(5) has no section '$text'"
done < <(grep -E '^## ' "$src/docs/configuration.md")
keys=0
while IFS= read -r key; do
  roff=${key//-/\\-}
  grep -qF "\\fB$roff\\fR" "$man5" || fail "conventiond.toml(5) does not describe '$key'"
  keys=$((keys + 1))
done < <(grep -E '^\| `[^`]+`' "$src/docs/configuration.md" | sed -E 's/^\| `([^`]+)`.*/\1/')
[ "$keys" -ge 50 ] || fail "only $keys keys read from docs/configuration.md"

# 3. groff reads them without a warning (all warnings on).
if command -v groff >/dev/null 2>&1; then
  for page in "$man1" "$man5"; do
    warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1 || true)
    [ -z "$warnings" ] || fail "groff warns about $(basename "$page"): $warnings"
  done
  groff -man -Tutf8 -P-cbou "$man1" 2>/dev/null | grep -q "conventiond plugins describe" || fail "conventiond(1) renders empty"
else
  echo "groff not installed: rendering not checked"
fi
echo "man pages: $count commands, $keys keys: ok"
