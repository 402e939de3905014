import { integrationSuite } from './suite.ts';
import { startEmbeddedTarget } from './targets/embedded.ts';

// The embedded target needs only Node and Java: it always runs, here and in CI.
integrationSuite('embedded', () => startEmbeddedTarget());
