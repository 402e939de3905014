import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { newerSourceThan } from '../../emulator/services/stale-check.ts';
import { repoRoot } from '../../infra/paths.ts';

const run = promisify(execFile);
export const assemblyDir = join(repoRoot, 'cdk.out');
/** The PetDetector's assembly: its own folder, so the size tracker's cdk.out is never overwritten. */
export const petAssemblyDir = join(repoRoot, 'cdk.out.pet');

/** One CDK app of this repo: where its assembly goes, what it is built from, how `cdk synth` selects it. */
interface AppAssembly {
  readonly name: string;
  readonly dir: string;
  readonly sources: readonly string[];
  readonly synthArgs: readonly string[];
  /** A folder made while synthesizing: several test files may ask at once (in .gitignore). */
  readonly lock: string;
}

const SIZE_TRACKER: AppAssembly = {
  name: 'the app',
  dir: assemblyDir,
  sources: [join(repoRoot, 'infra'), join(repoRoot, 'handlers')],
  synthArgs: [],
  lock: '.cdk-synth.lock',
};

const PET_DETECTOR: AppAssembly = {
  name: 'the PetDetector',
  dir: petAssemblyDir,
  sources: [join(repoRoot, 'infra'), join(repoRoot, 'handlers'), join(repoRoot, 'classifier')],
  synthArgs: ['-c', 'app=pet', '--output', petAssemblyDir],
  lock: '.cdk-synth-pet.lock',
};

/**
 * Makes sure cdk.out holds a synthesis of the current sources (synthesizing if not), once even when
 * several test files ask at the same time.
 */
export function ensureAssembly(log: (line: string) => void = () => {}): Promise<string> {
  return ensureSynthesized(SIZE_TRACKER, log);
}

/** The same for the PetDetector (`cdk synth -c app=pet` into cdk.out.pet). */
export function ensurePetAssembly(log: (line: string) => void = () => {}): Promise<string> {
  return ensureSynthesized(PET_DETECTOR, log);
}

async function ensureSynthesized(app: AppAssembly, log: (line: string) => void): Promise<string> {
  const lock = join(repoRoot, app.lock);
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
    const manifest = join(app.dir, 'manifest.json');
    if (!existsSync(manifest) || newerSourceThan(statSync(manifest).mtimeMs, app.sources)) {
      const args = ['--no-install', 'cdk', 'synth', '--quiet', ...app.synthArgs];
      log(`synthesizing ${app.name} into ${app.dir.split('/').pop()} (npx ${args.slice(1).join(' ')})...`);
      await run('npx', args, { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 });
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return app.dir;
}
