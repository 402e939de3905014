// `make demo`: synthesize, start the embedded cloud, play the driver's scenario, save the chart.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { DriverSummary } from '../handlers/driver.ts';
import { repoRoot } from '../infra/paths.ts';
import { history } from '../integration/support/app.ts';
import { startEmbeddedTarget } from '../integration/targets/embedded.ts';
import { progress, runMain } from './cli.ts';

runMain(async () => {
  const stateDir = join(repoRoot, '.local', 'demo');
  rmSync(stateDir, { recursive: true, force: true }); // a fresh bucket, so the history is the scenario's
  const target = await startEmbeddedTarget({ stateDir, log: progress });
  try {
    const pauseMs = Number(process.env.DEMO_PAUSE_MS ?? 1000);
    progress(`running the driver (put, overwrite, delete, put; ${pauseMs} ms between steps)...`);
    const summary = await target.invoke<DriverSummary>('driver', { pauseMs, windowSeconds: 300 });
    for (const step of summary.steps) progress(`  ${step.action} ${step.key} (${step.bytes} bytes)`);
    await target.settle();

    // A window just wider than the scenario, so its four steps fill the chart.
    const points = await history(target, target.outputs.bucketName);
    const firstMs = points[0]?.timeMs ?? Date.now();
    const windowSeconds = Math.max(10, Math.ceil((Date.now() - firstMs) / 1000) + 3);
    const url = new URL(target.outputs.plotApiUrl);
    url.searchParams.set('window', String(windowSeconds));
    progress(`fetching the chart: GET ${url}`);
    const response = await fetch(url, { headers: { accept: 'image/png' } });
    if (!response.ok) throw new Error(`the plot API answered ${response.status}: ${await response.text()}`);
    const chartPath = join(repoRoot, 'out', 'demo-chart.png');
    mkdirSync(join(repoRoot, 'out'), { recursive: true });
    writeFileSync(chartPath, Buffer.from(await response.arrayBuffer()));

    console.log('');
    console.log(`Bucket ${target.outputs.bucketName}: history recorded by the size tracker`);
    for (const p of points) {
      console.log(
        `  ${new Date(p.timeMs).toISOString()}  ${String(p.sizeBytes).padStart(4)} bytes  ${p.objectCount} object(s)`,
      );
    }
    console.log('');
    console.log(`Chart saved to ${relative(process.cwd(), chartPath) || chartPath}`);
    console.log(
      `Plot API, while a cloud runs (\`make embedded-up\` keeps one up): ${target.outputs.plotApiUrl}?window=<seconds>`,
    );
  } finally {
    await target.stop();
  }
});
