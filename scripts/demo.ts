// `make demo`: synthesize, start the embedded cloud, play the driver's scenario, save the chart.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { DriverRefusal, DriverSummary } from '../handlers/driver.ts';
import { repoRoot } from '../infra/paths.ts';
import { history } from '../integration/support/app.ts';
import { startEmbeddedTarget } from '../integration/targets/embedded.ts';
import { progress, runMain } from './cli.ts';

/** The plot API's JSON answer (handlers/plotting.ts), the fields printed here. */
interface PlotJson {
  readonly bucket: string;
  readonly maxSizeBytes: number;
  readonly points: readonly {
    readonly time: string;
    readonly sizeBytes: number;
    readonly objectCount: number;
    readonly storedBytes: number;
    readonly storedVersions: number;
  }[];
}

runMain(async () => {
  const stateDir = join(repoRoot, '.local', 'demo');
  rmSync(stateDir, { recursive: true, force: true }); // a fresh bucket, so the history is the scenario's
  const target = await startEmbeddedTarget({ stateDir, log: progress });
  try {
    const pauseMs = Number(process.env.DEMO_PAUSE_MS ?? 1000);
    progress(`running the driver (put, overwrite, delete, put; ${pauseMs} ms between steps)...`);
    const summary = await target.invoke<DriverSummary | DriverRefusal>('driver', {
      pauseMs,
      windowSeconds: 300,
    });
    if ('error' in summary) throw new Error(`the driver refused the request: ${summary.error}`);
    for (const step of summary.steps) progress(`  ${step.action} ${step.key} (${step.bytes} bytes)`);
    await target.settle();

    // A window just wider than the scenario, so its four steps fill the chart.
    const points = await history(target, target.outputs.bucketName);
    const firstMs = points[0]?.timeMs ?? Date.now();
    const windowSeconds = Math.max(10, Math.ceil((Date.now() - firstMs) / 1000) + 3);
    const url = new URL(target.outputs.plotApiUrl);
    url.searchParams.set('window', String(windowSeconds));
    url.searchParams.set('series', 'both');
    progress(`fetching the chart: GET ${url}`);
    const apiKey = { 'x-api-key': target.outputs.plotApiKey }; // every method of the API needs it
    const response = await fetch(url, { headers: { accept: 'image/png', ...apiKey } });
    if (!response.ok) throw new Error(`the plot API answered ${response.status}: ${await response.text()}`);
    const chartPath = join(repoRoot, 'out', 'demo-chart.png');
    mkdirSync(join(repoRoot, 'out'), { recursive: true });
    writeFileSync(chartPath, Buffer.from(await response.arrayBuffer()));
    // The same window as JSON: what the API returns, both series per point.
    url.searchParams.set('format', 'json');
    const answer = await fetch(url, { headers: apiKey });
    if (!answer.ok) throw new Error(`the plot API answered ${answer.status}: ${await answer.text()}`);
    const plotted = (await answer.json()) as PlotJson;

    console.log('');
    console.log(
      `Bucket ${plotted.bucket}: history as the plot API returns it (current = what a listing shows;`,
    );
    console.log('stored = every version kept, what S3 bills)');
    console.log(`  ${'time'.padEnd(24)}  ${'current'.padStart(16)}  ${'stored'.padStart(17)}`);
    for (const p of plotted.points) {
      const current = `${p.sizeBytes} B / ${p.objectCount} obj`;
      const stored = `${p.storedBytes} B / ${p.storedVersions} ver`;
      console.log(`  ${p.time.padEnd(24)}  ${current.padStart(16)}  ${stored.padStart(17)}`);
    }
    console.log(`  largest current total the tracker committed: ${plotted.maxSizeBytes} B`);
    console.log('');
    console.log(`Chart (both series) saved to ${relative(process.cwd(), chartPath) || chartPath}`);
    console.log(
      `Plot API, while a cloud runs (\`make embedded-up\` keeps one up): ${target.outputs.plotApiUrl}?window=<seconds>[&series=current|stored|both]`,
    );
    console.log(
      `It needs the API key (header x-api-key): id ${target.outputs.plotApiKeyId}; \`make embedded-up\` prints its value,` +
        ' and the command that reads it: aws apigateway get-api-key --api-key <id> --include-value',
    );
  } finally {
    await target.stop();
  }
});
