import { embeddedSuite } from './support/embedded-suite.ts';

embeddedSuite('ideal');
