import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Whether any source file under the given directories is newer than the assembly's manifest, i.e.
 * cdk.out no longer shows what the code says. Returns the first newer file found, if any.
 */
export function newerSourceThan(manifestMtimeMs: number, directories: readonly string[]): string | undefined {
  const walk = (directory: string): string | undefined => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const path = join(directory, entry.name);
      if (entry.isDirectory()) {
        const found = walk(path);
        if (found) return found;
      } else if (entry.isFile() && statSync(path).mtimeMs > manifestMtimeMs) return path;
    }
    return undefined;
  };
  for (const directory of directories) {
    if (!existsSync(directory)) continue;
    const found = walk(directory);
    if (found) return found;
  }
  return undefined;
}
