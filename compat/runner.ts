import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalCloud, startLocalCloud } from '../emulator/local-cloud.ts';
import { childPids, leftBehind } from './process-tree.ts';
import type { CompatApp } from './support.ts';
import type { CompatResult } from './table.ts';

const REFUSAL = 'the embedded cloud cannot run this app';

/**
 * One app: synthesized with our pinned CDK into its own temporary cdk.out, deployed on a fresh
 * embedded cloud (on `dynamodbEndpoint`), exercised, destroyed (custom resources get their Delete),
 * its temporary folder removed. Never throws: every outcome is a result.
 */
export async function runApp(
  app: CompatApp,
  dynamodbEndpoint: string,
  verbose = false,
): Promise<CompatResult> {
  const started = Date.now();
  const childrenBefore = childPids();
  const work = mkdtempSync(join(tmpdir(), `compat-${app.name}-`));
  const result = (fields: Omit<CompatResult, 'app' | 'uses' | 'seconds'>): CompatResult => ({
    app: app.name,
    uses: app.uses,
    ...fields,
    seconds: (Date.now() - started) / 1000,
  });
  let cloud: LocalCloud | undefined;
  try {
    const assemblyDir = join(work, 'cdk.out');
    try {
      app.synthesize(assemblyDir);
    } catch (error) {
      return result({ deployed: false, passed: false, error: `synthesis failed: ${message(error)}` });
    }
    try {
      cloud = await startLocalCloud({
        assemblyDir,
        stateDir: join(work, 'state'),
        dynamodbEndpoint,
        log: (line) => {
          if (verbose) console.log(`  [${app.name}] ${line}`);
        },
        echoFunctionLogs: verbose,
      });
    } catch (error) {
      const text = message(error);
      // a refused or failed deployment stops what it started: anything still running is a failure too
      const left = await leftBehind(childrenBefore);
      const leak = left.length > 0 ? `; processes left behind: ${left.map(describe).join(', ')}` : '';
      if (text.startsWith(REFUSAL) && !leak)
        return result({ deployed: false, passed: false, refusedWith: problems(text) });
      return result({ deployed: false, passed: false, error: `deployment failed: ${text}${leak}` });
    }
    let checks: string[];
    try {
      checks = await app.exercise(cloud);
    } catch (error) {
      return result({ deployed: true, passed: false, error: message(error) });
    }
    try {
      const deployed = cloud;
      cloud = undefined;
      await deployed.destroy();
      checks.push(...((await app.afterDestroy?.()) ?? []));
      // a destroyed cloud leaves no process behind (S3, function environments, Python runtimes)
      const left = await leftBehind(childrenBefore);
      if (left.length > 0) throw new Error(`processes left behind: ${left.map(describe).join(', ')}`);
    } catch (error) {
      return result({ deployed: true, passed: false, error: `after destroy: ${message(error)}` });
    }
    return result({ deployed: true, passed: true, checks });
  } finally {
    await cloud?.destroy().catch(() => {});
    rmSync(work, { recursive: true, force: true });
  }
}

function describe(pid: number): string {
  try {
    return `${pid} (${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').slice(0, 80)})`;
  } catch {
    return String(pid);
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The refusal's problem lines, without the stack names' noise of the heading. */
function problems(refusal: string): string {
  return refusal
    .split('\n')
    .slice(1)
    .map((line) => line.replace(/^- /, ''))
    .join('; ');
}
