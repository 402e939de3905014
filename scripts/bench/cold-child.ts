// The embedded cloud as a fresh process, for the cold-start measurement: starts it on the given
// assembly and state folder (API on the given port), prints one JSON line with the plot API URL, and
// stops cleanly on SIGTERM. BENCH_COLD_TRACE=1 prints the cloud's progress lines on stderr, each
// with the milliseconds since this process started (what dominates a cold start).
import { startLocalCloud } from '../../emulator/local-cloud.ts';

const [assemblyDir, stateDir, apiPort] = process.argv.slice(2);
const log =
  process.env.BENCH_COLD_TRACE === '1'
    ? (line: string) => console.error(`${Math.round(performance.now())} ms  ${line}`)
    : () => {};
log('cloud module loaded');
const cloud = await startLocalCloud({ assemblyDir, stateDir, apiPort: Number(apiPort), log });
const plot = Object.values(cloud.outputs).find((o) => o.PlotApiUrl)?.PlotApiUrl;
console.log(JSON.stringify({ plotApiUrl: plot }));
process.once('SIGTERM', () => {
  cloud.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
