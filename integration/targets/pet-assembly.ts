import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { newerSourceThan } from '../../emulator/services/stale-check.ts';
import { repoRoot } from '../../infra/paths.ts';

const run = promisify(execFile);
/** The PetDetector's assembly: its own folder, so the size tracker's cdk.out is never overwritten. */
export const petAssemblyDir = join(repoRoot, 'cdk.out.pet');
const sources = [join(repoRoot, 'infra'), join(repoRoot, 'handlers'), join(repoRoot, 'classifier')];

/** Makes sure cdk.out.pet holds a synthesis of the current sources (`cdk synth -c app=pet`), once. */
export async function ensurePetAssembly(log: (line: string) => void = () => {}): Promise<string> {
  const lock = join(repoRoot, '.cdk-synth-pet.lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 5 * 60_000) rmSync(lock, { recursive: true, force: true });
      await sleep(250);
    }
  }
  try {
    const manifest = join(petAssemblyDir, 'manifest.json');
    if (!existsSync(manifest) || newerSourceThan(statSync(manifest).mtimeMs, sources)) {
      log('synthesizing the PetDetector into cdk.out.pet (npx cdk synth -c app=pet)...');
      await run(
        'npx',
        ['--no-install', 'cdk', 'synth', '--quiet', '-c', 'app=pet', '--output', petAssemblyDir],
        {
          cwd: repoRoot,
          maxBuffer: 64 * 1024 * 1024,
        },
      );
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return petAssemblyDir;
}
