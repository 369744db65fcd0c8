#!/usr/bin/env bash
# Builds Tranche and runs every test project, then prints the totals as one line: "N passed, M failed".
# PostgreSQL tests start a throwaway server from the local initdb/pg_ctl (or use TRANCHE_TEST_POSTGRES);
# without PostgreSQL installed they are skipped, and the reason is printed.
set -uo pipefail
cd "$(dirname "$0")"

results="$(mktemp -d "${TMPDIR:-/tmp}/tranche-test-results.XXXXXX")"
dotnet test Tranche.slnx --logger "trx" --results-directory "$results" "$@"
status=$?

passed=0; failed=0; skipped=0
shopt -s nullglob
trx_files=("$results"/*.trx)
for trx in "${trx_files[@]}"; do
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  p="$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  f="$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  t="$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")"
  e="$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done

if ((skipped > 0)); then
  echo "$skipped skipped, because:"
  awk '/outcome="NotExecuted"/ { skipped = 1 }
       skipped && /<Message>/ { sub(/.*<Message>/, ""); sub(/<\/Message>.*/, ""); print; skipped = 0 }' "${trx_files[@]}" |
    sort | uniq -c | sed 's/^ */  /'
fi
if ((${#trx_files[@]} == 0)); then
  echo "No test results: the build failed."
  failed=1
elif ((status != 0 && failed == 0)); then
  echo "dotnet test exited with $status."
  failed=1
fi
echo "$passed passed, $failed failed"
rm -rf "$results"
((failed == 0))
