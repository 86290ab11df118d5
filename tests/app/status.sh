#!/usr/bin/env bash
# `conventiond status` against a real daemon: its readiness and jobs (one that ran, one
# disabled), the address read from the config, a token when reads are not public, exit 1
# when a check fails, exit 2 naming the URL when nothing answers.
#   usage: status.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
src=$2
bin="$build/conventiond"
tmp=$(mktemp -d)
daemon=""
trap '[ -n "$daemon" ] && kill "$daemon" 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir "$tmp/docs"
cp "$src/tests/fixtures/documents/corpus/belfort-communique.html" "$tmp/docs/"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$tmp/c.toml" <<TOML
[store]
url = "sqlite:$tmp/state.db"
[http]
listen = "127.0.0.1:$port"
reads_public = false
tokens_env = "CVD_STATUS_TEST_TOKENS"
[jobs.local]
connector = "local_files"
every = "1h"
[jobs.local.config]
paths = ["$tmp/docs"]
[jobs.local.fetch]
allow_file = true
[jobs.later]
connector = "local_files"
enabled = false
every = "1d"
[jobs.later.config]
paths = ["$tmp/docs"]
[jobs.later.fetch]
allow_file = true
TOML
export CVD_STATUS_TEST_TOKENS=sesame
"$bin" serve --config "$tmp/c.toml" > "$tmp/serve.log" 2>&1 &
daemon=$!
for _ in $(seq 1 100); do grep -q "listening on" "$tmp/serve.log" && break; sleep 0.1; done
grep -q "listening on" "$tmp/serve.log" || fail "serve did not start: $(cat "$tmp/serve.log")"

# The scheduled run of 'local' ends; status (address and token from the config) shows it.
out=""
for _ in $(seq 1 100); do
  out=$("$bin" status --config "$tmp/c.toml" 2>&1) || true
  grep -q "^local .*#1 done 1 items, 0 failed" <<<"$out" && break
  sleep 0.2
done
echo "$out"
grep -q "^conventiond at http://127.0.0.1:$port: ready (.*store ok.*)" <<<"$out" || fail "readiness: $out"
grep -q "^local  *local_files  *every 1h  *idle  *#1 done 1 items, 0 failed 20" <<<"$out" || fail "job local: $out"
grep -q "^later  *local_files  *disabled  *idle  *never" <<<"$out" || fail "job later: $out"
"$bin" status --url "http://127.0.0.1:$port" --token sesame > /dev/null || fail "status --url with a token: exit $?"

# Without the token: readiness, and a clear word about the jobs.
set +e
out=$(env -u CVD_STATUS_TEST_TOKENS "$bin" status --url "http://127.0.0.1:$port/" 2>&1); rc=$?
set -e
[ "$rc" = 0 ] && grep -q "wants a token" <<<"$out" || fail "without a token: $rc $out"

# Nothing listening: exit 2, naming the URL.
kill "$daemon"; wait "$daemon" || true; daemon=""
set +e
out=$("$bin" status --url "http://127.0.0.1:$port" 2>&1); rc=$?
set -e
[ "$rc" = 2 ] && grep -q "no daemon answers at http://127.0.0.1:$port" <<<"$out" || fail "no daemon: $rc $out"
# Usage.
set +e
"$bin" status --bogus > /dev/null 2> "$tmp/err"; rc=$?
set -e
[ "$rc" = 2 ] && grep -q "unknown argument '--bogus'" "$tmp/err" || fail "usage: $rc $(cat "$tmp/err")"
echo "status: ok"
