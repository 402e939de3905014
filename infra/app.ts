import { App } from 'aws-cdk-lib';
import { buildSizeTracker } from './app-builder.ts';
import { buildPetDetector } from './pet-detector/app-builder.ts';

const app = new App();
// `-c app=pet` (make ... APP=pet) builds the PetDetector; the size tracker is the default
const which = String(app.node.tryGetContext('app') ?? 'tracker');
if (which === 'pet') buildPetDetector(app);
else if (which === 'tracker') buildSizeTracker(app);
else throw new Error(`context value "app" must be tracker or pet, got "${which}"`);
app.synth();
