import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDynamoDbLocal } from '../emulator/dynamodb/server.ts';
import { type LocalCloud, startLocalCloud } from '../emulator/local-cloud.ts';
import { COMPAT_APPS } from './apps/index.ts';
import type { CompatApp } from './support.ts';
import { type CompatResult, formatTable } from './table.ts';

/**
 * `make compat`: each app of compat/apps/ synthesized with our pinned CDK into its own temporary
 * cdk.out, deployed on a fresh embedded cloud, exercised through its API or SDK calls, destroyed.
 * One DynamoDB Local serves every app (each app's tables have their own stack's names).
 * COMPAT_APPS=a,b runs only those; VERBOSE=1 echoes the clouds' logs.
 */
const REFUSAL = 'the embedded cloud cannot run this app';
const verbose = process.env.VERBOSE === '1';

async function runApp(app: CompatApp, dynamodbEndpoint: string): Promise<CompatResult> {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), `compat-${app.name}-`));
  const lines: string[] = [];
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
        log: (line) => (verbose ? console.log(`  [${app.name}] ${line}`) : lines.push(line)),
        echoFunctionLogs: verbose,
      });
    } catch (error) {
      const text = message(error);
      if (text.startsWith(REFUSAL))
        return result({ deployed: false, passed: false, refusedWith: problems(text) });
      return result({ deployed: false, passed: false, error: `deployment failed: ${text}` });
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
    } catch (error) {
      return result({ deployed: true, passed: false, error: `after destroy: ${message(error)}` });
    }
    return result({ deployed: true, passed: true, checks });
  } finally {
    await cloud?.destroy().catch(() => {});
    rmSync(work, { recursive: true, force: true });
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

const only = process.env.COMPAT_APPS?.split(',').filter(Boolean);
const apps = only ? COMPAT_APPS.filter((app) => only.includes(app.name)) : COMPAT_APPS;
if (only && apps.length !== only.length)
  throw new Error(`COMPAT_APPS names unknown apps; known: ${COMPAT_APPS.map((a) => a.name).join(', ')}`);

const dynamodb = await startDynamoDbLocal();
const results: CompatResult[] = [];
try {
  for (const app of apps) {
    console.log(`compat: ${app.name}...`);
    const outcome = await runApp(app, dynamodb.endpoint);
    console.log(`compat: ${app.name}: ${outcome.passed ? 'passed' : (outcome.refusedWith ?? outcome.error)}`);
    results.push(outcome);
  }
} finally {
  await dynamodb.stop();
}
console.log(`\n${formatTable(results)}`);
if (!only) {
  const file = join(import.meta.dirname, 'results.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwritten: ${file}`);
}
// a refusal is an honest answer; an app that deployed and misbehaved is a failure
process.exitCode = results.some((r) => !r.refusedWith && !r.passed) ? 1 : 0;
