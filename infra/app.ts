import { App } from 'aws-cdk-lib';
import { buildSizeTracker } from './app-builder.ts';

const app = new App();
buildSizeTracker(app);
app.synth();
