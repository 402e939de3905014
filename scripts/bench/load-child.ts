// Runs autocannon in its own process (so it does not share an event loop with the cloud it loads)
// and prints one JSON line: requests/s, latency percentiles from every response, errors, non-2xx, and
// the chart cache's hits and misses as the API reported them (x-chart-cache).
//   load-child.ts <origin> <connections> <seconds> <paths as a JSON array, one drawn per request>
import { createRequire } from 'node:module';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  duration: number;
}
interface AutocannonInstance {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
  on(event: 'done', listener: (result: AutocannonResult) => void): void;
}
type Autocannon = (options: Record<string, unknown>) => AutocannonInstance;

const [origin, connections, seconds, pathsJson] = process.argv.slice(2);
const paths = JSON.parse(pathsJson ?? '[]') as string[];
if (paths.length === 0) throw new Error('load-child: no paths given');
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
const latencies: number[] = [];
const cache = { hit: 0, miss: 0, other: 0 };
// a fixed-seed generator: the same mix of views in every run
let seed = 20261130;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const instance = autocannon({
  url: origin,
  connections: Number(connections),
  duration: Number(seconds),
  // the plot API's key (PLOT_API_KEY, from plot-part.ts): every method needs it
  headers: {
    accept: 'image/png',
    ...(process.env.PLOT_API_KEY ? { 'x-api-key': process.env.PLOT_API_KEY } : {}),
  },
  timeout: 30,
  requests: [
    {
      method: 'GET',
      setupRequest: (request: Record<string, unknown>) => ({
        ...request,
        path: paths[Math.floor(random() * paths.length)],
      }),
      onResponse: (_status: number, _body: unknown, _context: unknown, headers: Record<string, string>) => {
        const state = headers['x-chart-cache'];
        if (state === 'hit') cache.hit++;
        else if (state === 'miss') cache.miss++;
        else cache.other++;
      },
    },
  ],
});
instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
instance.on('done', (result) => {
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.max(0, Math.ceil((p / 100) * latencies.length) - 1)] ?? Number.NaN;
  console.log(
    JSON.stringify({
      requestsPerSec: result.requests.total / result.duration,
      requests: result.requests.total,
      p50Ms: pct(50),
      p95Ms: pct(95),
      p99Ms: pct(99),
      maxMs: latencies.at(-1) ?? Number.NaN,
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      cacheHits: cache.hit,
      cacheMisses: cache.miss,
      cacheUnreported: cache.other,
    }),
  );
});
