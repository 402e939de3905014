/**
 * `make compat`: each app of compat/apps/ synthesized with our pinned CDK into its own temporary
 * cdk.out, deployed on a fresh embedded cloud, exercised through its API or SDK calls, destroyed.
 * One DynamoDB Local serves every app (each app's tables have their own stack's names).
 * COMPAT_APPS=a,b runs only those; VERBOSE=1 echoes the clouds' logs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDynamoDbLocal } from '../emulator/dynamodb/server.ts';
import { COMPAT_APPS } from './apps/index.ts';
import { runApp } from './runner.ts';
import { type CompatResult, formatTable } from './table.ts';

const only = process.env.COMPAT_APPS?.split(',').filter(Boolean);
const apps = only ? COMPAT_APPS.filter((app) => only.includes(app.name)) : COMPAT_APPS;
if (only && apps.length !== only.length)
  throw new Error(`COMPAT_APPS names unknown apps; known: ${COMPAT_APPS.map((a) => a.name).join(', ')}`);

const dynamodb = await startDynamoDbLocal();
const results: CompatResult[] = [];
try {
  for (const app of apps) {
    console.log(`compat: ${app.name}...`);
    const outcome = await runApp(app, dynamodb.endpoint, process.env.VERBOSE === '1');
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
