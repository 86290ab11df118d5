#!/usr/bin/env bash
# Logs of `conventiond run` (and serve, which shares the options): --log-format json writes one
# JSON object a line with time (RFC 3339 UTC), level and message, and job, run, url when known;
# --log-level drops the less severe records; a bad value is a usage error.
#   usage: log_format.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
src=$2
bin="$build/conventiond"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir "$tmp/docs"
cp "$src/tests/fixtures/documents/corpus/belfort-communique.html" "$tmp/docs/"
cat > "$tmp/job.toml" <<TOML
name = "local"
connector = "local_files"
[config]
paths = ["$tmp/docs", "$tmp/missing.pdf"]
[fetch]
allow_file = true
TOML

run() { "$bin" run "$tmp/job.toml" --store "sqlite:$tmp/store.db" --plugin-dir "$build/plugins" \
          --no-progress "$@"; }

# 1. JSON: every line an object with time, level, message; the run's records name job and run.
run --log-format json --log-level debug > "$tmp/out.txt" 2> "$tmp/log.jsonl" \
  || fail "run failed: $(cat "$tmp/log.jsonl")"
python3 - "$tmp/log.jsonl" <<'PY' || fail "the JSON log is not as documented: $(cat "$tmp/log.jsonl")"
import json, re, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines, "no log line"
records = [json.loads(l) for l in lines]
for r in records:
    assert isinstance(r, dict), r
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["time"]), r
    assert r["level"] in ("error", "warn", "info", "debug"), r
    assert isinstance(r["message"], str) and r["message"], r
started = [r for r in records if r["message"].startswith("run ") and r["message"].endswith(" started")]
assert started and started[0]["job"] == "local" and started[0]["run"] >= 1, records
PY

# 2. Levels: at error, none of the info records of the run.
run --log-format json --log-level error > /dev/null 2> "$tmp/errors.jsonl" || fail "run at level error failed"
if grep -q '"level":"info"\|"level":"debug"\|"level":"warn"' "$tmp/errors.jsonl"; then
  fail "records below error were written: $(cat "$tmp/errors.jsonl")"
fi
# 3. Text: time, level, job.
run --log-format=text > /dev/null 2> "$tmp/log.txt" || fail "run in text failed"
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z info local: run [0-9]+ started$' "$tmp/log.txt" \
  || fail "no text record of the run's start: $(cat "$tmp/log.txt")"

# 4. Bad values are usage errors naming the value.
set +e
run --log-format xml > /dev/null 2> "$tmp/err.txt"; rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "'xml' is not one of text, json" "$tmp/err.txt" || fail "--log-format xml: $rc $(cat "$tmp/err.txt")"
set +e
"$bin" serve --config "$tmp/none.toml" --log-level loud > /dev/null 2> "$tmp/err.txt"; rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "'loud' is not one of error, warn, info, debug" "$tmp/err.txt" \
  || fail "serve --log-level loud: $rc $(cat "$tmp/err.txt")"

# 5. serve with [log] format = "json" in its config: its records too, from start to stop, and
#    its own records about a run (started, done) name the job and the run.
cat > "$tmp/serve.toml" <<TOML
[store]
url = "sqlite:$tmp/serve.db"
[http]
listen = "127.0.0.1:0"
[plugins]
dir = "$build/plugins"
[log]
format = "json"
[jobs.local]
connector = "local_files"
every = "1h"
[jobs.local.config]
paths = ["$tmp/docs"]
[jobs.local.fetch]
allow_file = true
TOML
"$bin" serve --config "$tmp/serve.toml" > /dev/null 2> "$tmp/serve.jsonl" &
serve_pid=$!
for _ in $(seq 300); do
  grep -q "of job 'local' done" "$tmp/serve.jsonl" && break
  kill -0 "$serve_pid" 2> /dev/null || break
  sleep 0.1
done
kill -TERM "$serve_pid" 2> /dev/null || true
wait "$serve_pid" || fail "serve did not stop cleanly: $(cat "$tmp/serve.jsonl")"
python3 - "$tmp/serve.jsonl" <<'PY' || fail "serve's JSON log is not as documented: $(cat "$tmp/serve.jsonl")"
import json, sys
records = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()]
for r in records:
    assert set(("time", "level", "message")) <= set(r), r
messages = [r["message"] for r in records]
assert any(m.startswith("listening on http://127.0.0.1:") for m in messages), messages
assert "stopped" in messages, messages
# The daemon's own lines about a run carry its job and run, as the runner's do.
runs = [r for r in records if r["message"].startswith("run ") and "of job 'local'" in r["message"]]
assert any(r["message"].endswith(" started") for r in runs), messages
assert any(" done: " in r["message"] for r in runs), messages
for r in runs:
    assert r.get("job") == "local" and isinstance(r.get("run"), int) and r["run"] >= 1, r
PY
echo "PASS: run and serve log as JSON or text, filtered by level"
