import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The Lambda runtimes the embedded cloud runs, and what each provides: Node.js functions run on this
 * machine's Node with AWS's handler rules for the declared runtime and the runtime's AWS SDK v3;
 * Python functions run on this machine's python3.
 */
export const NODE_RUNTIMES = ['nodejs20.x', 'nodejs22.x', 'nodejs24.x'] as const;

export type RuntimeFamily = 'nodejs' | 'python';

export function runtimeFamily(runtime: string): RuntimeFamily | undefined {
  if ((NODE_RUNTIMES as readonly string[]).includes(runtime)) return 'nodejs';
  if (/^python3\.\d+$/.test(runtime)) return 'python';
  return undefined;
}

/** Why a runtime cannot run here, or undefined when it can. Pure apart from the python3 probe. */
export function runtimeProblem(runtime: unknown): string | undefined {
  if (runtime === undefined) return 'no Runtime (container images are not supported)';
  if (typeof runtime !== 'string') return `Runtime ${JSON.stringify(runtime)} is not a string`;
  const family = runtimeFamily(runtime);
  if (family === 'python') {
    return machinePython()
      ? undefined
      : `runtime ${runtime} needs python3 on this machine, and none was found`;
  }
  if (family === 'nodejs') return undefined;
  return `runtime ${runtime} is not supported (supported: ${NODE_RUNTIMES.join(', ')}, python3.x)`;
}

/** AWS's Node.js 24 runtime refuses callback handlers (3 parameters); 20 and 22 still run them. */
export function allowsCallbackHandlers(runtime: string): boolean {
  return runtime === 'nodejs20.x' || runtime === 'nodejs22.x';
}

let pythonVersion: string | null | undefined;
/** The machine's python3 version (e.g. `3.11.7`), or null when there is none. */
export function machinePython(): string | null {
  if (pythonVersion === undefined) {
    const probe = spawnSync('python3', ['-c', 'import platform; print(platform.python_version())'], {
      encoding: 'utf8',
    });
    pythonVersion = probe.status === 0 ? probe.stdout.trim() : null;
  }
  return pythonVersion;
}

/** The AWS SDK v3 the Node.js runtimes provide (emulator/lambda/runtime-sdk, installed by `scripts/toolchain.sh --deps`). */
export const RUNTIME_SDK_DIR = fileURLToPath(new URL('./runtime-sdk/', import.meta.url));
export const RUNTIME_SDK_MODULES = join(RUNTIME_SDK_DIR, 'node_modules');

/** The packages the runtime SDK folder provides, from its package.json. */
export function runtimeSdkPackages(): string[] {
  const manifest = JSON.parse(readFileSync(join(RUNTIME_SDK_DIR, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  return Object.keys(manifest.dependencies ?? {});
}

let hint: string | undefined;
/** Added to a "cannot find" error for an `@aws-sdk/` package: what we ship differs from AWS. */
export function missingSdkHint(): string {
  hint ??= sdkHint();
  return hint;
}

function sdkHint(): string {
  if (!existsSync(RUNTIME_SDK_MODULES)) {
    return "(the embedded Lambda runtime's AWS SDK is not installed: run `scripts/toolchain.sh --deps true`)";
  }
  return (
    `(the embedded Lambda runtime provides ${runtimeSdkPackages().length} AWS SDK v3 packages, listed in ` +
    "emulator/lambda/runtime-sdk/package.json; AWS's runtime provides every client: bundle this one with the function)"
  );
}

/**
 * The `node_modules` folders a Node.js function resolves packages from after its own, in NODE_PATH
 * order as AWS sets it (`/opt/nodejs/node24/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules`):
 * its layers' folders (layers are extracted into one /opt, the last one winning), then the runtime SDK.
 */
export function nodeSearchPath(runtime: string, layerDirs: readonly string[] = []): string[] {
  const major = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  const layers = [...layerDirs].reverse();
  return [
    ...(major ? layers.map((layer) => join(layer, 'nodejs', `node${major}`, 'node_modules')) : []),
    ...layers.map((layer) => join(layer, 'nodejs', 'node_modules')),
    RUNTIME_SDK_MODULES,
  ];
}

/** The folders a Python function imports from after its own (AWS: /opt/python, then its site-packages). */
export function pythonSearchPath(runtime: string, layerDirs: readonly string[] = []): string[] {
  const version = /^python(3\.\d+)$/.exec(runtime)?.[1];
  const layers = [...layerDirs].reverse();
  return [
    ...layers.map((layer) => join(layer, 'python')),
    ...(version
      ? layers.map((layer) => join(layer, 'python', 'lib', `python${version}`, 'site-packages'))
      : []),
  ];
}
