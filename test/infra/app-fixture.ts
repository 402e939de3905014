import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { buildSizeTracker, type SizeTrackerStacks } from '../../infra/app-builder.ts';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

/**
 * The app as `cdk synth` builds it (same context flags), without bundling the functions unless
 * asked: templates do not depend on the bundle, and bundling takes seconds per function.
 */
export function buildTestApp(options: { bundle?: boolean; context?: Record<string, unknown> } = {}): {
  app: App;
  stacks: SizeTrackerStacks;
} {
  const app = new App({
    context: {
      ...cdkJson.context,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
  });
  return { app, stacks: buildSizeTracker(app) };
}
