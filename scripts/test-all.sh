#!/usr/bin/env bash
# `make test`: the fault campaign and every other test file, side by side, then one summary. The
# campaign alone leaves CPU idle (its pipeline waits on delivery delays, retries and I/O) and so do
# the other files (most wait on child processes), so the two runs overlap instead of queueing: the
# campaign starts first (it is the longest), in a vitest run of its own, with its output kept in
# out/fault-campaign.log and shown after the others'. Wall times go to out/test-phases.json (read by
# scripts/newcomer-check.mjs).
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p out
now() { date +%s.%N; }

t0=$(now)
rm -f out/fault-campaign.txt out/fault-campaign.log out/fault-campaign.end
(
  FAULT_PROGRESS_FILE=out/fault-campaign.txt npx --no-install vitest run integration/fault-campaign.test.ts \
    --reporter=default --reporter=json --outputFile.json=out/fault-campaign-results.json \
    >out/fault-campaign.log 2>&1
  code=$?
  now >out/fault-campaign.end
  exit $code
) &
campaign=$!

status=0
npx --no-install vitest run --exclude integration/fault-campaign.test.ts \
  --reporter=default --reporter=json --outputFile.json=out/test-results.json || status=1
t1=$(now)
echo "== fault campaign (started with the other files; its output follows)"
wait "$campaign" || status=1
t2=$(now)
cat out/fault-campaign.log
[ -f out/fault-campaign.txt ] && grep -v '^\[' out/fault-campaign.txt
node scripts/test-summary.mjs out/test-results.json out/fault-campaign-results.json || status=1

t2c=$(cat out/fault-campaign.end 2>/dev/null || echo "$t2")
awk -v a="$t0" -v b="$t1" -v c="$t2c" -v d="$t2" \
  'BEGIN { printf "{ \"vitestSeconds\": %.1f, \"faultCampaignSeconds\": %.1f, \"totalSeconds\": %.1f, \"overlapped\": true }\n", b - a, c - a, d - a }' \
  >out/test-phases.json
echo "== phases (both started at once): $(cat out/test-phases.json)"
exit $status
