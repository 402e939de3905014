import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../services/free-port.ts';
import type { RekognitionChildConfig, RekognitionChildMessage } from './child.ts';

const CHILD_ENTRY = fileURLToPath(new URL('./child.ts', import.meta.url));

export interface RekognitionProcess {
  /** http://127.0.0.1:<port>: known at once (functions get it in AWS_ENDPOINT_URL_REKOGNITION). */
  readonly endpoint: string;
  /** Resolves once the model is loaded and the endpoint listens; rejects if the process failed to start. */
  readonly ready: Promise<{ warmMs: number }>;
  stop(): Promise<void>;
}

/**
 * Starts the embedded Rekognition (DetectLabels backed by the local model) in a child process. Its
 * port is chosen first, so its endpoint can be handed out while the model loads.
 */
export async function startRekognitionProcess(options: {
  s3Endpoint?: string;
  port?: number;
  /** Listen address (default 127.0.0.1). */
  host?: string;
  log?: (line: string) => void;
}): Promise<RekognitionProcess> {
  const port = options.port ?? (await freePort());
  const config: RekognitionChildConfig = {
    port,
    ...(options.s3Endpoint ? { s3Endpoint: options.s3Endpoint } : {}),
    ...(options.host ? { host: options.host } : {}),
  };
  const child = fork(CHILD_ENTRY, [JSON.stringify(config)], {
    execArgv: [
      ...(process.features.typescript ? [] : ['--experimental-strip-types']),
      '--disable-warning=ExperimentalWarning',
    ],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'json',
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    stderr = (stderr + text).slice(-4000);
    for (const line of text.split('\n').filter(Boolean)) options.log?.(`[rekognition] ${line}`);
  });
  let stopped = false;
  const ready = new Promise<{ warmMs: number }>((resolve, reject) => {
    child.on('message', (message: RekognitionChildMessage) => {
      if (message.type === 'ready') resolve({ warmMs: message.warmMs });
      else reject(new Error(`the embedded Rekognition failed to start: ${message.message}`));
    });
    child.once('exit', (code, signal) => {
      if (!stopped) {
        const error = new Error(
          `the embedded Rekognition exited (${signal ?? `code ${code}`})${stderr ? `: ${stderr.trim().slice(-1500)}` : ''}`,
        );
        options.log?.(error.message);
        reject(error);
      }
    });
  });
  ready.catch(() => {}); // the caller awaits it; this keeps an early failure from going unhandled
  return {
    endpoint: `http://127.0.0.1:${port}`,
    ready,
    stop: () =>
      new Promise<void>((resolve) => {
        stopped = true;
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.disconnect();
      }),
  };
}

/** Whether an assembly's templates let anything call Rekognition (IAM actions `rekognition:*`). */
export function templatesUseRekognition(templates: readonly unknown[]): boolean {
  return templates.some((template) => JSON.stringify(template).includes('"rekognition:'));
}
