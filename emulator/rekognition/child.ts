/**
 * The embedded Rekognition's process (started by startRekognitionProcess() in process.ts with
 * `fork()`, never imported): the DetectLabels endpoint of server.ts with the local model. A process
 * of its own because inference is synchronous CPU work (~0.3 s an image) that would otherwise pause
 * every other server of the cloud's event loop.
 *
 * Runs under plain Node with type stripping: erasable TypeScript syntax only.
 */
import { startRekognitionServer } from './server.ts';

export interface RekognitionChildConfig {
  port: number;
  s3Endpoint?: string;
  host?: string;
}

export type RekognitionChildMessage =
  | { type: 'ready'; port: number; warmMs: number }
  | { type: 'error'; message: string };

const config = JSON.parse(process.argv[2] ?? '{}') as RekognitionChildConfig;
const started = performance.now();
try {
  const server = await startRekognitionServer({
    port: config.port,
    ...(config.host ? { host: config.host } : {}),
    ...(config.s3Endpoint ? { s3Endpoint: config.s3Endpoint } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.send?.({ type: 'ready', port: server.port, warmMs: Math.round(performance.now() - started) });
  // the parent went away (stopped or crashed): stop serving
  process.on('disconnect', () => {
    void server.stop().then(() => process.exit(0));
  });
} catch (err) {
  process.send?.({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
}
