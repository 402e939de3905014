import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { buildPetDetector, type PetDetectorStacks } from '../../../infra/pet-detector/app-builder.ts';

const cdkJson = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

/** The PetDetector as `cdk synth -c app=pet` builds it, without bundling the functions. */
export function buildPetTestApp(context: Record<string, unknown> = {}): {
  app: App;
  stacks: PetDetectorStacks;
} {
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...context } });
  return { app, stacks: buildPetDetector(app) };
}
