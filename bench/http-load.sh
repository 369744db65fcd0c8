#!/usr/bin/env bash
# Throughput and latency of GET /v1/orgs with a partner key (4 orgs in the answer), on SQLite, over loopback.
# The per-key rate limiter stays on, with a limit above the offered load, so its cost is measured too.
# Needs wrk (Debian: apt-get install wrk). Usage: bench/http-load.sh [seconds per run] [connections]
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-20}"
connections="${2:-16}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
out="$(mktemp -d /tmp/tranche-bench.XXXXXX)"
port=5392
./publish.sh "$out/app"
"$out/app/tranche" demo --port "$port" --data-dir "$out/data" --rate-limit 1000000 --log-level Warning >"$out/server.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$out"' EXIT
until [ -s "$out/data/demo-credentials.json" ] && curl -fs -o /dev/null "http://127.0.0.1:$port/readyz"; do sleep 0.1; done
key="$(sed -n 's/.*"partner_api_key": *"\([^"]*\)".*/\1/p' "$out/data/demo-credentials.json")"
url="http://127.0.0.1:$port/v1/orgs"

wrk -t1 -c"$connections" -d10s -H "x-api-key: $key" "$url" >/dev/null   # warm-up: JIT tiers, pools, caches
for run in 1 2 3; do
  result="$(wrk -t1 -c"$connections" -d"${seconds}s" --latency -H "x-api-key: $key" "$url")"
  rps="$(sed -n 's/^Requests\/sec: *//p' <<<"$result")"
  p50="$(sed -n 's/^ *50% *//p' <<<"$result")"
  p99="$(sed -n 's/^ *99% *//p' <<<"$result")"
  non2xx="$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' <<<"$result")"
  echo "run $run: ${rps} requests/s, p50 ${p50}, p99 ${p99}, ${connections} connections, ${seconds} s${non2xx:+, NON-2XX: $non2xx}"
done
