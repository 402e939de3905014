import { embeddedSuite } from './support/embedded-suite.ts';

embeddedSuite('localstack-4.14');
