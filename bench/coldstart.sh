#!/usr/bin/env bash
# Cold start: from exec of `tranche serve` to the first 200 from /readyz, on SQLite.
# Usage: bench/coldstart.sh [runs]
set -euo pipefail
cd "$(dirname "$0")"
runs="${1:-10}"
out="$(mktemp -d /tmp/tranche-bench.XXXXXX)"
trap 'rm -rf "$out"' EXIT
./publish.sh "$out/app"
port=5391
data="$out/data"

measure() {
  local start end pid
  start=$(date +%s%N)
  "$out/app/tranche" serve --urls "http://127.0.0.1:$port" --data-dir "$data" --log-level Warning >/dev/null 2>&1 &
  pid=$!
  until curl -fs -o /dev/null "http://127.0.0.1:$port/readyz"; do sleep 0.002; done
  end=$(date +%s%N)
  kill -TERM "$pid"; wait "$pid" || true
  echo $(( (end - start) / 1000000 ))
}

first=$(measure)   # creates the SQLite database and applies every migration
times=()
for _ in $(seq "$runs"); do times+=("$(measure)"); done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
echo "first start (creates the database, applies migrations): ${first} ms"
echo "start with an existing database, $runs runs: min $(head -n 1 <<<"$sorted") ms, median $(sed -n "$(( (runs + 1) / 2 ))p" <<<"$sorted") ms, max $(tail -n 1 <<<"$sorted") ms"
