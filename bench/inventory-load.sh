#!/usr/bin/env bash
# Commitment inventory API under load: one org with 10,000 commitments and a year of daily utilization.
#   list:  GET /v1/org/{org}/commitments?provider=aws&start_date=..&end_date=..&order_by=utilization&page_size=100
#          (a 30-day window, so each answer carries 100 commitments x 30 days of daily_utilizations), walking pages 1-100
#   chart: GET /v1/org/{org}/commitments/chart over one year (12 monthly points), timed one request at a time
# Usage: bench/inventory-load.sh [seconds per run] [connections] [window days]
#   TRANCHE_ANSWER_CACHE_MB=0   measures every answer computed afresh (the server keeps no finished answers)
#   GZIP=1                      sends Accept-Encoding: gzip, as browsers and most HTTP clients do
#   TRANCHE_BENCH_DATABASE="Host=127.0.0.1;Port=..;Username=..;Database=..;Maximum Pool Size=8"   runs on PostgreSQL
# The seeded database is kept in $TRANCHE_BENCH_WORK (default /tmp/tranche-bench-inventory) and reused by later runs.
# Needs wrk (Debian: apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-20}"
connections="${2:-16}"
window="${3:-30}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
out="$(mktemp -d /tmp/tranche-inventory.XXXXXX)"
work="${TRANCHE_BENCH_WORK:-/tmp/tranche-bench-inventory}"
mkdir -p "$work"
port=5393
database="${TRANCHE_BENCH_DATABASE:-$work/inventory.db}"
seed="$work/seed-$(printf '%s' "$database" | md5sum | cut -c1-12).txt"
./publish.sh "$out/app"
if [ ! -s "$seed" ]; then
  dotnet run -c Release --project Tranche.Bench -- seed-inventory "$database" 10000 365 >"$seed.tmp" && mv "$seed.tmp" "$seed"
fi
org="$(sed -n 's/^org //p' "$seed")"
key="$(sed -n 's/^key //p' "$seed")"
encoding=""
[ "${GZIP:-0}" = 1 ] && encoding="gzip"
"$out/app/tranche" serve --migrate --database "$database" --data-dir "$out/data" --urls "http://127.0.0.1:$port" --rate-limit 0 --log-level Warning >"$out/server.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$out"' EXIT
until curl -fs -o /dev/null "http://127.0.0.1:$port/readyz"; do
  kill -0 $pid 2>/dev/null || { echo "the server stopped:"; cat "$out/server.log"; exit 1; }
  sleep 0.1
done

to="$(date -u -d yesterday +%F)"
from="$(date -u -d "$window days ago" +%F)"
list="http://127.0.0.1:$port/v1/org/$org/commitments?provider=aws&start_date=$from&end_date=$to&order_by=utilization&page_size=100"
chart="http://127.0.0.1:$port/v1/org/$org/commitments/chart?provider=aws&start_date=$(date -u -d '365 days ago' +%F)&end_date=$to"

first="$(curl -fs -o /dev/null -w '%{time_total} %{size_download}' -H "x-api-key: $key" -H "Accept-Encoding: ${encoding:-identity}" "$list&page=1")"
echo "first list request (loads the inventory into memory): ${first% *} s, ${first#* } bytes; answer cache ${TRANCHE_ANSWER_CACHE_MB:-256} MB, encoding ${encoding:-identity}"

cat >"$out/pages.lua" <<LUA
local page = 0
request = function()
  page = page % 100 + 1
  return wrk.format("GET", "$list&page=" .. page, { ["x-api-key"] = "$key", ["Accept-Encoding"] = "${encoding:-identity}" })
end
LUA
wrk -t1 -c"$connections" -d10s -s "$out/pages.lua" "$list" >/dev/null   # warm-up: JIT tiers, pools, caches
for run in 1 2 3; do
  result="$(wrk -t1 -c"$connections" -d"${seconds}s" --latency -s "$out/pages.lua" "$list")"
  rps="$(sed -n 's/^Requests\/sec: *//p' <<<"$result")"
  p50="$(sed -n 's/^ *50% *//p' <<<"$result")"
  p99="$(sed -n 's/^ *99% *//p' <<<"$result")"
  transfer="$(sed -n 's/^Transfer\/sec: *//p' <<<"$result")"
  non2xx="$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' <<<"$result")"
  echo "list run $run: ${rps} requests/s, p50 ${p50}, p99 ${p99}, ${transfer}/s, ${connections} connections, ${window}-day window${non2xx:+, NON-2XX: $non2xx}"
done

# Each chart request names a different filter, so none is answered from kept answers: every one is computed.
times=()
for i in $(seq 1 30); do
  filter="$(printf '%%7B%%22utilization%%22%%3A%%7B%%22gte%%22%%3A0.%02d%%7D%%7D' "$i")"
  times+=("$(curl -fs -o /dev/null -w '%{time_total}' -H "x-api-key: $key" "$chart&filter=$filter")")
done
sorted="$(printf '%s\n' "${times[@]}" | sort -n)"
echo "chart, one year, 30 different filters, one at a time: median $(sed -n 15p <<<"$sorted") s, max $(tail -n 1 <<<"$sorted") s"
