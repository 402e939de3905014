/**
 * The embedded cloud in a process of its own, for tests that kill it (integration/crash-restart.test.ts).
 * Started with plain Node (type stripping): ASSEMBLY_DIR and STATE_DIR in the environment. Prints
 * `READY {"endpoints":...,"outputs":...}` on stdout once deployed; progress lines go to stderr. Over
 * the IPC channel it answers `{ id, invoke, payload }` with `{ id, ok, result | error }` and
 * `{ id, idle: true }` once every async invocation has run. SIGTERM stops it cleanly.
 */
import { startLocalCloud } from '../../emulator/local-cloud.ts';

interface Request {
  readonly id: number;
  readonly invoke?: string;
  readonly payload?: unknown;
  readonly idle?: boolean;
}

const cloud = await startLocalCloud({
  assemblyDir: process.env.ASSEMBLY_DIR ?? 'cdk.out',
  stateDir: process.env.STATE_DIR ?? null,
  log: (line) => process.stderr.write(`${line}\n`),
  asyncRetryDelaysMs: [100, 200],
});

process.on('message', (request: Request) => {
  const reply = (message: object) => process.send?.({ id: request.id, ...message });
  if (request.idle) {
    void cloud.whenIdle().then(() => reply({ ok: true }));
    return;
  }
  if (!request.invoke) return;
  cloud.invoke(request.invoke, request.payload).then(
    (result) => reply({ ok: true, result }),
    (err: Error) => reply({ ok: false, error: err.message }),
  );
});
// the test going away must not leave this cloud running
process.on('disconnect', () => void cloud.stop().then(() => process.exit(0)));
process.on('SIGTERM', () => void cloud.stop().then(() => process.exit(0)));

process.stdout.write(`READY ${JSON.stringify({ endpoints: cloud.endpoints, outputs: cloud.outputs })}\n`);
