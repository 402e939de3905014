import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { newerSourceThan } from '../../emulator/services/stale-check.ts';
import { repoRoot } from '../../infra/paths.ts';

const run = promisify(execFile);
export const assemblyDir = join(repoRoot, 'cdk.out');
const sources = [join(repoRoot, 'infra'), join(repoRoot, 'handlers')];

/**
 * Makes sure cdk.out holds a synthesis of the current sources (synthesizing if not), once even when
 * several test files ask at the same time.
 */
export async function ensureAssembly(log: (line: string) => void = () => {}): Promise<string> {
  const lock = join(repoRoot, '.cdk-synth.lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than a synth can take was left by a killed run.
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 5 * 60_000) rmSync(lock, { recursive: true, force: true });
      await sleep(250);
    }
  }
  try {
    const manifest = join(assemblyDir, 'manifest.json');
    if (!existsSync(manifest) || newerSourceThan(statSync(manifest).mtimeMs, sources)) {
      log('synthesizing the app into cdk.out (npx cdk synth)...');
      await run('npx', ['--no-install', 'cdk', 'synth', '--quiet'], {
        cwd: repoRoot,
        maxBuffer: 64 * 1024 * 1024,
      });
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return assemblyDir;
}
