#!/bin/bash
# Runs ceph/s3-tests (the S3 conformance suite) against the embedded S3 and writes
# bench/s3-tests.tsv (one line per test) and bench/s3-tests.md (pass rates by area).
# usage: S3TESTS_SRC=<checkout of ceph/s3-tests, e.g. commit 8f0ae7b> scripts/s3-tests.sh [pytest args]
# Needs Node 24 on the PATH and Debian's python3-boto3 python3-pytest python3-isodate python3-munch
# python3-gevent python3-tz python3-lxml python3-pytest-timeout. The harness (run.sh, s3shim.py,
# analyze.py, s3tests.conf.template) comes from S3TESTS_TOOLS (default ../shared/tools/s3-tests).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
: "${S3TESTS_SRC:?set S3TESTS_SRC to a checkout of ceph/s3-tests}"
tools=${S3TESTS_TOOLS:-$repo/../shared/tools/s3-tests}
work=$(mktemp -d)
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

# our S3 on a free port, in its own process; the port comes back on its first line
node --disable-warning=ExperimentalWarning --input-type=module -e "
  import { startS3Server } from '$repo/emulator/s3/server.ts';
  const s3 = await startS3Server({ syncWrites: false, onUnexpectedExit: () => process.exit(3) });
  console.log(s3.port);
  process.on('SIGTERM', async () => { await s3.stop(); process.exit(0); });
" >"$work/port" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(head -1 "$work/port")
[ -n "$port" ] || { cat "$work/server.log"; echo "the embedded S3 did not start" >&2; exit 1; }
echo "embedded S3 on port $port"
sed "s/PORT/$port/" "$tools/s3tests.conf.template" >"$work/s3tests.conf"

S3TEST_CONF="$work/s3tests.conf" OUT="$work/results.jsonl" "$tools/run.sh" "$@" >"$work/pytest.log" 2>&1 || true
if ! kill -0 "$server_pid" 2>/dev/null; then
  echo "THE EMBEDDED S3 DIED DURING THE SUITE:" >&2
  cat "$work/server.log" >&2
  exit 1
fi
python3 "$tools/analyze.py" "$work/results.jsonl" >"$work/summary.txt"
cp "$work/s3-tests-detail.tsv" "$repo/bench/s3-tests.tsv"
baseline=${S3TESTS_BASELINE:-$tools/results-2026-11-30.tsv}
python3 "$repo/scripts/s3-tests-table.py" "$repo/bench/s3-tests.tsv" "$work/summary.txt" "$baseline" >"$repo/bench/s3-tests.md"
cat "$repo/bench/s3-tests.md"
