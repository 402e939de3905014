import type { CompatApp } from '../support.ts';
import { synthesize as synthesizeCrudApi } from './crud-api/app.ts';
import { exercise as crudApi } from './crud-api/exercise.ts';

/** Every compatibility app, in the order `make compat` runs them. */
export const COMPAT_APPS: readonly CompatApp[] = [
  {
    name: 'crud-api',
    uses: 'RestApi + LambdaIntegration (proxy), NodejsFunction (lib-dynamodb external), Table',
    synthesize: synthesizeCrudApi,
    exercise: crudApi,
  },
];
