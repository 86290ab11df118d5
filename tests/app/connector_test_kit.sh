#!/usr/bin/env bash
# `conventiond connector test` from the command line (docs/writing-a-connector.md, "Test"):
# press_releases replayed from tests/fixtures/replay/press_releases (a folder, then the same
# responses as a HAR file) prints exactly expected.jsonl, twice; a request without a saved
# response, a broken HAR file, an unknown plugin, a config of another connector are clear
# errors naming their input, with a non-zero exit status.
#   usage: connector_test_kit.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
bin="$build/conventiond"
fixtures="$src/tests/fixtures/replay/press_releases"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ct() { "$bin" connector test "$@" --plugin-dir "$build/plugins"; }

# 1. The golden output, from the folder and from the HAR file, the same at every run.
for replay in "$fixtures" "$fixtures/press_releases.har"; do
  for run in 1 2; do
    ct press_releases --config "$fixtures/job.toml" --replay "$replay" > "$tmp/out.jsonl" \
      2> "$tmp/err.txt" || fail "replay of $replay exited $?: $(cat "$tmp/err.txt")"
    diff -u "$fixtures/expected.jsonl" "$tmp/out.jsonl" \
      || fail "replay of $replay (run $run) differs from expected.jsonl"
  done
done
# Every line is a JSON object with a type.
python3 - "$tmp/out.jsonl" <<'PY' || fail "an output line is not a JSON object with a type"
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    assert isinstance(o, dict) and isinstance(o.get("type"), str), line
PY

# 2. A TOML of the connector's settings alone does the same as the job file.
ct press_releases --config "$fixtures/settings_only.toml" --replay "$fixtures" > "$tmp/settings.jsonl" \
  || fail "settings-only config failed"
diff -q "$fixtures/expected.jsonl" "$tmp/settings.jsonl" > /dev/null \
  || fail "settings-only config gives another output"

# 3. The plugin given as a path to its .so.
ct "$build/plugins/press_releases.so" --config "$fixtures/job.toml" --replay "$fixtures" \
  > "$tmp/path.jsonl" || fail "plugin given by path failed"
diff -q "$fixtures/expected.jsonl" "$tmp/path.jsonl" > /dev/null || fail "plugin by path differs"

expect_failure() {  # expect_failure STATUS TEXT_IN_STDERR_OR_STDOUT -- ARGS...
  local want=$1 text=$2
  shift 3
  set +e
  ct "$@" > "$tmp/f.out" 2> "$tmp/f.err"
  local rc=$?
  set -e
  [ "$rc" -eq "$want" ] || fail "connector test $* exited $rc, not $want: $(cat "$tmp/f.err")"
  grep -qF -- "$text" "$tmp/f.err" "$tmp/f.out" \
    || fail "connector test $*: no '$text' in: $(cat "$tmp/f.err" "$tmp/f.out")"
}

# 4. A request without a saved response: a fetch_failed line naming the URL, exit status 1,
#    and the rest of the run still replayed.
expect_failure 1 "no saved response for GET https://prefecture.example/autre-flux.xml" -- \
  press_releases --config "$fixtures/job_missing.toml" --replay "$fixtures"
grep -q '"type":"fetch_failed","method":"GET","url":"https://prefecture.example/autre-flux.xml","status":404' \
  "$tmp/f.out" || fail "no fetch_failed line for the missing response"
grep -q '"type":"observation"' "$tmp/f.out" || fail "the run did not go on after the missing response"

# 5. Broken inputs: exit status 2, the input named.
expect_failure 2 "broken.har: log.entries[0].request.url is missing" -- \
  press_releases --config "$fixtures/job.toml" --replay "$fixtures/broken.har"
echo '{"log": ' > "$tmp/truncated.har"
expect_failure 2 "truncated.har: not valid JSON" -- \
  press_releases --config "$fixtures/job.toml" --replay "$tmp/truncated.har"
expect_failure 2 "$tmp/nothing: no such replay folder or HAR file" -- \
  press_releases --config "$fixtures/job.toml" --replay "$tmp/nothing"
expect_failure 2 "$tmp/none.toml: no such file" -- \
  press_releases --config "$tmp/none.toml" --replay "$fixtures"
expect_failure 2 "no plugin named 'no_such_plugin'" -- \
  no_such_plugin --config "$fixtures/job.toml" --replay "$fixtures"
expect_failure 2 "is a job of connector 'press_releases', not of 'convention_documents'" -- \
  convention_documents --config "$fixtures/job.toml" --replay "$fixtures"
printf 'feeds = ["https://prefecture.example/rss.xml"]\nfeedz = 1\n' > "$tmp/typo.toml"
expect_failure 2 "feedz" -- press_releases --config "$tmp/typo.toml" --replay "$fixtures"
expect_failure 2 "--replay and --record exclude each other" -- \
  press_releases --config "$fixtures/job.toml" --replay "$fixtures" --record "$tmp/rec"
echo "PASS: connector test replays, compares and fails clearly"
