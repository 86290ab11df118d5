#!/usr/bin/env bash
# The README's main job: installs what is missing, builds conventiond (release preset), serves
# the bundled demo site (demo/site) on 127.0.0.1:18765, and starts the daemon on
# config/demo.toml (SQLite in var/demo.db, API on 127.0.0.1:8080). Once the first runs of the
# demo jobs are done it prints where to look and a table of the conventions found, then keeps
# serving until Ctrl-C. DEMO_EXIT=1 stops after the table (for scripts).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-deps.sh
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}" CCACHE_BASEDIR="$(pwd)" CCACHE_NOHASHDIR=1
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"

bin=build-release/conventiond
api=http://127.0.0.1:8080
mkdir -p var
echo
echo "== plugins"
"$bin" plugins list --plugin-dir build-release/plugins || true
echo
echo "== config"
"$bin" check-config config/demo.toml

site_pid="" daemon_pid=""
cleanup() {
  [ -n "$daemon_pid" ] && kill -TERM "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null || true
  [ -n "$site_pid" ] && kill "$site_pid" 2>/dev/null || true
}
trap cleanup EXIT
trap 'echo; echo "stopping (SIGTERM to the daemon)..."; exit 0' INT TERM

# Both ports must be free: a demo site or daemon left from an earlier run would answer instead.
for port in 18765 8080; do
  if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/"; then
    echo "demo: port $port on 127.0.0.1 is already in use (an earlier demo still running?); stop it first" >&2
    exit 1
  fi
done
python3 -m http.server 18765 --bind 127.0.0.1 --directory demo/site >var/demo-site.log 2>&1 &
site_pid=$!
# The daemon's first runs start at once: the site must answer before it starts, or robots.txt
# is unreachable and every item waits for it.
# Any HTTP answer (the demo site has no robots.txt: a 404 means "no rules") shows it listens.
site_up=0
for _ in $(seq 1 150); do
  if curl -s -o /dev/null --max-time 2 http://127.0.0.1:18765/robots.txt; then site_up=1; break; fi
  kill -0 "$site_pid" 2>/dev/null || break
  sleep 0.2
done
if [ "$site_up" != 1 ]; then
  echo "demo: the demo site did not answer on http://127.0.0.1:18765/robots.txt:" >&2
  cat var/demo-site.log >&2
  exit 1
fi
"$bin" serve --config config/demo.toml 2>var/demo-daemon.log &
daemon_pid=$!

# Wait for the API, then for the first run of every job.
for _ in $(seq 1 100); do curl -sf "$api/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -sf "$api/readyz" >/dev/null || { echo "the daemon did not start:"; cat var/demo-daemon.log; exit 1; }
runs_done=0
for _ in $(seq 1 900); do
  if curl -sf "$api/v1/jobs" | python3 -c '
import json, sys
jobs = json.load(sys.stdin)["items"]
sys.exit(0 if all(j["last_run"] and j["last_run"]["status"] != "running" and j["current_run"] is None for j in jobs) else 1)'; then
    runs_done=1; break
  fi
  sleep 0.2
done
if [ "$runs_done" != 1 ]; then
  echo "demo: the first runs of the demo jobs did not finish within 3 minutes; see var/demo-daemon.log" >&2
  exit 1
fi

echo
echo "== runs"
curl -sf "$api/v1/jobs" | python3 -c '
import json, sys
for j in json.load(sys.stdin)["items"]:
    r = j["last_run"]; c = r["counts"]
    print("%-18s %-22s run %-3d %-17s items %-3d new %-3d failed %-3d skipped %d" % (j["name"], j["connector"], r["id"], r["status"],
          c["total"], c["new"], c["failed"], c["skipped_filter"] + c["skipped_robots"]))'
echo
echo "== conventions ($api/v1/conventions)"
curl -sf "$api/v1/conventions?limit=500" | python3 -c '
import json, sys
items = json.load(sys.stdin)["items"]
print("%-18s %-5s %-11s %-9s %-34s %-8s %s" % ("id", "dép.", "signed_on", "period", "État funding", "sources", "measures"))
for c in items:
    f = c["facts"]
    p = f.get("period")
    etat = [l for l in f.get("funding", []) if l["funder"] == "etat"]
    for a in f.get("amendments", []):
        etat += [dict(l, year=l.get("year") or a.get("year")) for l in a.get("funding", []) if l["funder"] == "etat"]
    money = ", ".join("%s%s %.2f M€" % (l.get("year") or "total", "~" if l.get("qualifier") == "about" else "", l["amount_eur"] / 1e6) for l in etat[:3])
    sources = {pv["chosen"]["url"] for pv in c.get("provenance", [])}
    print("%-18s %-5s %-11s %-9s %-34s %-8d %s" % (c["id"], f["departement"], f.get("signed_on") or "-",
          "%d-%d" % (p["start"], p["end"]) if p else "-", money or "-", len(sources), ",".join(f.get("measures", []))[:60]))
if not items: print("(none)")'

# A demo that found nothing is a failure, not a success: say why and exit non-zero.
problems=$(curl -sf "$api/v1/jobs" | python3 -c '
import json, sys
for j in json.load(sys.stdin)["items"]:
    r = j["last_run"]
    if r is None or r["status"] != "done":
        st = r["status"] if r else "never ran"
        err = (r or {}).get("error") or ""
        print("job %s: %s %s" % (j["name"], st, err))')
count=$(curl -sf "$api/v1/conventions?limit=500" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
if [ "$count" = 0 ] || [ -n "$problems" ]; then
  echo >&2
  echo "demo: FAILED: $count conventions found" >&2
  [ -n "$problems" ] && echo "$problems" >&2
  for id in $(curl -sf "$api/v1/jobs" | python3 -c 'import json,sys; [print(j["last_run"]["id"]) for j in json.load(sys.stdin)["items"] if j["last_run"]]'); do
    curl -sf "$api/v1/runs/$id" | python3 -c '
import json, sys
r = json.load(sys.stdin)
for it in r.get("failed_items", [])[:10]:
    print("  run %s failed item %s: %s" % (r["id"], it.get("url"), it.get("error")))' >&2 || true
  done
  echo "daemon log: var/demo-daemon.log" >&2
  exit 1
fi
echo
echo "Where to look:"
echo "  $api/                                     the console: map, table, each value with its quote, runs"
echo "  $api/v1/conventions                      every convention (filters: ?departement=31&year=2019&measure=...)"
echo "  $api/v1/conventions/pauvrete-2019:31     one record, with the source of each value and the CAF indicators"
echo "  $api/v1/departements/59                  a département: its conventions and indicators"
echo "  $api/v1/jobs                             jobs, schedules, last runs   ($api/v1/runs/1 for one run)"
echo "  $api/metrics   $api/v1/openapi.json"
echo "  trigger a run: CONVENTIOND_DEMO_TOKENS=demo-token (set before starting) then"
echo "     curl -X POST -H 'Authorization: Bearer demo-token' $api/v1/jobs/demo_communiques/run"
echo "Logs: var/demo-daemon.log. The daemon keeps serving; Ctrl-C stops it."
[ "${DEMO_EXIT:-0}" = "1" ] && exit 0
wait "$daemon_pid"
