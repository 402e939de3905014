import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { CURRENTLY_RECOMMENDED_FLAGS } from 'aws-cdk-lib/cx-api';

/** The repository root: NodejsFunction bundles with its package-lock.json and local esbuild (no Docker). */
export const PROJECT_ROOT = join(import.meta.dirname, '..', '..');
export const LOCK_FILE = join(PROJECT_ROOT, 'package-lock.json');

/**
 * A CDK app writing its assembly to `outdir`. `cdk-init`: the feature flags `cdk init` writes into a
 * new project's cdk.json today; `legacy`: no flags at all, as older samples synthesize.
 */
export function compatApp(outdir: string, flags: 'cdk-init' | 'legacy' = 'cdk-init'): App {
  return new App({ outdir, context: flags === 'cdk-init' ? { ...CURRENTLY_RECOMMENDED_FLAGS } : {} });
}
