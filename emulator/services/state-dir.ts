import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The seed that makes generated physical names stable (naming.ts): kept in the state directory so
 * a restart finds the same buckets and tables; a fresh one for temporary state.
 */
export function readSeed(stateDir: string | null): string {
  if (stateDir === null) return randomBytes(8).toString('hex');
  const file = join(stateDir, 'seed');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const seed = randomBytes(8).toString('hex');
  writeFileSync(file, `${seed}\n`);
  return seed;
}
