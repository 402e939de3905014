#!/usr/bin/env bash
# `make test`: every test in one vitest run, then the fault campaign alone (it is CPU-bound), then one
# summary. Each phase's wall time goes to out/test-phases.json (read by scripts/newcomer-check.ts).
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p out
status=0
now() { date +%s.%N; }

t0=$(now)
npx --no-install vitest run --exclude integration/fault-campaign.test.ts \
  --reporter=default --reporter=json --outputFile.json=out/test-results.json || status=1
t1=$(now)
echo "== fault campaign (alone on the machine: it is CPU-bound)"
rm -f out/fault-campaign.txt
FAULT_PROGRESS_FILE=out/fault-campaign.txt npx --no-install vitest run integration/fault-campaign.test.ts \
  --reporter=default --reporter=json --outputFile.json=out/fault-campaign-results.json || status=1
t2=$(now)
[ -f out/fault-campaign.txt ] && grep -v '^\[' out/fault-campaign.txt
node scripts/test-summary.mjs out/test-results.json out/fault-campaign-results.json || status=1

awk -v a="$t0" -v b="$t1" -v c="$t2" \
  'BEGIN { printf "{ \"vitestSeconds\": %.1f, \"faultCampaignSeconds\": %.1f }\n", b - a, c - b }' >out/test-phases.json
echo "== phases: $(cat out/test-phases.json)"
exit $status
