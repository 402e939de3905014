import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { LambdaFunctionSpec } from '../../cloudformation/cloud-model.ts';

const BOOTSTRAP = fileURLToPath(new URL('./bootstrap.py', import.meta.url));

/**
 * A Python execution environment's process: the machine's python3 running bootstrap.py. It speaks the
 * Node child's messages as JSON lines on fd 3, and is dressed as a Node IPC child (`send`, `connected`,
 * 'message' events) so that the execution environment drives both runtimes alike.
 */
export function spawnPythonChild(
  spec: LambdaFunctionSpec,
  env: Record<string, string>,
  pythonPath: readonly string[] = [],
): ChildProcess {
  const config = { taskRoot: spec.assetDir, handler: spec.handler, pythonPath };
  // -u: unbuffered; -s: no user site-packages (the machine's own site-packages stay: say so in the README)
  const child = spawn('python3', ['-u', '-s', BOOTSTRAP, JSON.stringify(config)], {
    cwd: spec.assetDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  const channel = child.stdio[3] as Socket;
  const ipc = child as { connected: boolean; send: (message: unknown) => boolean };
  ipc.connected = true;
  ipc.send = (message) => channel.write(`${JSON.stringify(message)}\n`);
  channel.on('close', () => {
    ipc.connected = false;
  });
  channel.on('error', () => {}); // the process' exit is what the environment reports
  createInterface({ input: channel }).on('line', (line) => child.emit('message', JSON.parse(line)));
  return child;
}
