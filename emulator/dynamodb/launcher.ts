import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = fileURLToPath(new URL('./LoopbackServer.java', import.meta.url));
const MAIN_CLASS = 'LoopbackServer';

export interface Launcher {
  /** Java class path: the compiled launcher, then DynamoDB Local's jar (which names its libraries). */
  readonly classPath: string;
  readonly mainClass: string;
}

function cacheRoot(): string {
  return join(
    process.env.XDG_CACHE_HOME || join(homedir(), '.cache'),
    's3-size-tracker',
    'dynamodb-launcher',
  );
}

/**
 * LoopbackServer.java compiled once per (source, jar) into the user's cache: compiling takes a few
 * CPU seconds, which Java's source-file mode would pay at every start. The compiler comes from the
 * runtime's own jdk.compiler module (present in Debian's and most JREs), so no JDK is needed. The
 * class is written to a fresh folder and renamed into place, so concurrent starts never see half of it.
 */
export function loopbackLauncher(jar: string): Launcher {
  const key = createHash('sha256').update(readFileSync(SOURCE)).update(jar).digest('hex').slice(0, 16);
  const dir = join(cacheRoot(), key);
  if (!existsSync(join(dir, `${MAIN_CLASS}.class`))) {
    mkdirSync(cacheRoot(), { recursive: true });
    const staging = mkdtempSync(`${dir}.tmp-`);
    const compiled = spawnSync(
      'java',
      ['-m', 'jdk.compiler/com.sun.tools.javac.Main', '-nowarn', '-d', staging, '-cp', jar, SOURCE],
      { encoding: 'utf8' },
    );
    if (compiled.error || compiled.status !== 0) {
      rmSync(staging, { recursive: true, force: true });
      throw new Error(
        `could not compile the DynamoDB Local launcher (${SOURCE}); the Java runtime needs its jdk.compiler module: ${(compiled.stderr || compiled.error?.message || '').trim()}`,
      );
    }
    try {
      renameSync(staging, dir);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another start compiled it first
    }
  }
  return { classPath: [dir, jar].join(delimiter), mainClass: MAIN_CLASS };
}
