#!/usr/bin/env bash
# `make test`: every test in one vitest run, then the fault campaign alone (it is CPU-bound), then one
# summary. Each phase's wall time goes to out/test-phases.json (read by scripts/newcomer-check.ts).
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p out
status=0
now() { date +%s.%N; }

# One DynamoDB Local for both phases (scripts/test-dynamodb.ts): the campaign runs on a JVM the first
# phase warmed up. It stops when this script ends (its stdin closes).
coproc DYNAMODB { exec node scripts/test-dynamodb.ts; }
if read -r -t 120 TEST_DYNAMODB_ENDPOINT <&"${DYNAMODB[0]}" && [ -n "$TEST_DYNAMODB_ENDPOINT" ]; then
  export TEST_DYNAMODB_ENDPOINT
else
  echo "== DynamoDB Local for both phases did not start: each phase starts its own" >&2
  unset TEST_DYNAMODB_ENDPOINT
fi

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
