// The PetDetector end to end on the embedded cloud (suite: integration/pet-detector/suite.ts).
import { inject } from 'vitest';
import { startEmbeddedPetTarget } from './pet-detector/embedded-target.ts';
import { petDetectorSuite } from './pet-detector/suite.ts';

petDetectorSuite('the embedded cloud', () =>
  startEmbeddedPetTarget({ dynamodbEndpoint: inject('dynamodbEndpoint') }),
);
