import { type App, RemovalPolicy, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PetApiStack } from './api-stack.ts';
import { imagesBucketName, petDetectorSettings } from './settings.ts';
import { PetStorageStack } from './storage-stack.ts';
import { PetWorkflowStack } from './workflow-stack.ts';

export interface PetDetectorStacks {
  readonly storage: PetStorageStack;
  readonly workflow: PetWorkflowStack;
  readonly api: PetApiStack;
}

/**
 * Seed 004's image classifier, three stacks wired with typed props: Storage <- Workflow <- Api
 * (`PetDetector-<stage>-*`). Context: infra/pet-detector/settings.ts; `nag=false` skips cdk-nag.
 */
export function buildPetDetector(app: App): PetDetectorStacks {
  const settings = petDetectorSettings(app);
  const removalPolicy = settings.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
  const prefix = `PetDetector-${settings.stage}`;
  const storage = new PetStorageStack(app, `${prefix}-Storage`, { settings, removalPolicy });
  const workflow = new PetWorkflowStack(app, `${prefix}-Workflow`, {
    settings,
    removalPolicy,
    detectionTable: storage.detectionTable,
  });
  const api = new PetApiStack(app, `${prefix}-Api`, {
    settings,
    detectionTable: storage.detectionTable,
    imagesBucketName: imagesBucketName(settings),
  });
  // the API signs URLs for the workflow's bucket (by name, no cross-stack reference): deploy it first
  api.addStackDependency(workflow);
  for (const stack of [storage, workflow, api]) {
    Tags.of(stack).add('Environment', settings.stage);
    Tags.of(stack).add('Application', 'pet-detector');
  }
  if (app.node.tryGetContext('nag') !== 'false' && app.node.tryGetContext('nag') !== false) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  }
  return { storage, workflow, api };
}
