import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Template } from './template.ts';

/** One stack of a synthesized cloud assembly, with what the embedded cloud needs to deploy it. */
export interface AssemblyStack {
  /** The artifact id, which is the CloudFormation stack name CDK deploys under. */
  readonly name: string;
  readonly templateFile: string;
  readonly template: Template;
  /** Other stacks this one depends on (asset-manifest dependencies left out). */
  readonly dependencies: readonly string[];
}

export interface CloudAssembly {
  /** Absolute path of the assembly directory (cdk.out). */
  readonly directory: string;
  /** Stacks in an order where every stack comes after the stacks it depends on. */
  readonly stacks: readonly AssemblyStack[];
  /**
   * File assets: both the asset hash and its S3 object key (`<hash>.zip`, what a template's
   * Code.S3Key says) map to the absolute asset directory.
   */
  readonly assets: ReadonlyMap<string, string>;
  /** Modification time of manifest.json, for the stale-assembly check. */
  readonly manifestMtimeMs: number;
}

interface ManifestArtifact {
  type?: string;
  properties?: { templateFile?: string; file?: string };
  dependencies?: string[];
}

interface AssetManifest {
  files?: Record<
    string,
    { source?: { path?: string }; destinations?: Record<string, { objectKey?: string }> }
  >;
}

function readJson<T>(file: string, label: string, remedy: string): T {
  if (!existsSync(file)) throw new Error(`${label} not found: ${remedy}`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (err) {
    throw new Error(`${label} is not valid JSON (${(err as Error).message}): ${remedy}`);
  }
}

/** Reads cdk.out: the manifest, every stack template and the asset manifests. */
export function readAssembly(assemblyDir = 'cdk.out'): CloudAssembly {
  const directory = resolve(assemblyDir);
  const shown = relative(process.cwd(), directory) || '.';
  const remedy = 'run `npx cdk synth` first';
  const manifestFile = join(directory, 'manifest.json');
  const manifest = readJson<{ artifacts?: Record<string, ManifestArtifact> }>(
    manifestFile,
    `${shown}/manifest.json`,
    remedy,
  );
  if (!manifest.artifacts || typeof manifest.artifacts !== 'object') {
    throw new Error(`${shown}/manifest.json has no "artifacts": ${remedy}`);
  }

  const stacks: AssemblyStack[] = [];
  const assets = new Map<string, string>();
  const stackIds = Object.entries(manifest.artifacts)
    .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
    .map(([id]) => id);

  for (const [id, artifact] of Object.entries(manifest.artifacts)) {
    if (artifact.type === 'cdk:asset-manifest') {
      const file = artifact.properties?.file;
      if (!file) throw new Error(`${shown}/manifest.json: asset manifest ${id} names no file`);
      readAssets(
        directory,
        `${shown}/${file}`,
        readJson<AssetManifest>(join(directory, file), `${shown}/${file}`, remedy),
        assets,
      );
    } else if (artifact.type === 'aws:cloudformation:stack') {
      const templateFile = artifact.properties?.templateFile;
      if (!templateFile) throw new Error(`${shown}/manifest.json: stack ${id} names no templateFile`);
      const template = readJson<Template>(join(directory, templateFile), `${shown}/${templateFile}`, remedy);
      if (!template.Resources || typeof template.Resources !== 'object') {
        throw new Error(`${shown}/${templateFile} has no "Resources" section`);
      }
      const dependencies = (artifact.dependencies ?? []).filter((dep) => stackIds.includes(dep));
      stacks.push({ name: id, templateFile: join(directory, templateFile), template, dependencies });
    }
  }
  if (stacks.length === 0)
    throw new Error(`${shown}/manifest.json lists no CloudFormation stacks: ${remedy}`);

  return {
    directory,
    stacks: orderStacks(stacks),
    assets,
    manifestMtimeMs: statSync(manifestFile).mtimeMs,
  };
}

function readAssets(
  directory: string,
  label: string,
  manifest: AssetManifest,
  into: Map<string, string>,
): void {
  for (const [hash, entry] of Object.entries(manifest.files ?? {})) {
    const path = entry.source?.path;
    if (!path) throw new Error(`${label}: asset ${hash} has no source path`);
    const folder = join(directory, path);
    into.set(hash, folder);
    for (const destination of Object.values(entry.destinations ?? {})) {
      if (destination.objectKey) into.set(destination.objectKey, folder);
    }
  }
}

/** Orders stacks so that dependencies come first (stable: manifest order otherwise). */
export function orderStacks<T extends { name: string; dependencies: readonly string[] }>(
  stacks: readonly T[],
): T[] {
  const byName = new Map(stacks.map((stack) => [stack.name, stack]));
  const ordered: T[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (stack: T, path: string[]) => {
    const seen = state.get(stack.name);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      throw new Error(`stack dependency cycle: ${[...path, stack.name].join(' -> ')}`);
    }
    state.set(stack.name, 'visiting');
    for (const dep of stack.dependencies) {
      const target = byName.get(dep);
      if (!target) throw new Error(`stack ${stack.name} depends on ${dep}, which is not in the assembly`);
      visit(target, [...path, stack.name]);
    }
    state.set(stack.name, 'done');
    ordered.push(stack);
  };
  for (const stack of stacks) visit(stack, []);
  return ordered;
}
