import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { cdklocalEnv } from '../../scripts/localstack.mjs';

const require = createRequire(import.meta.url);

describe('scripts/localstack.mjs: the environment cdklocal runs in', () => {
  it('forces S3 path style for asset publishing on a non-loopback Docker host', () => {
    const env = cdklocalEnv({ PATH: '/bin' }, 'http://192.168.1.20:4566');
    expect(env).toMatchObject({
      CDK_S3_FORCE_PATH_STYLE: '1',
      AWS_ENDPOINT_URL: 'http://192.168.1.20:4566',
      AWS_ENDPOINT_URL_S3: 'http://192.168.1.20:4566',
      PATH: '/bin',
    });
  });

  it('is needed: aws-cdk-local 3.0.4 does not read AWS_S3_FORCE_PATH_STYLE=1 as true', () => {
    const local = require('aws-cdk-local/src/index.js') as { isEnvTrue: (name: string) => boolean };
    const saved = process.env.AWS_S3_FORCE_PATH_STYLE;
    try {
      process.env.AWS_S3_FORCE_PATH_STYLE = '1';
      // what bin/cdklocal calls: the value where the variable's name belongs
      expect(local.isEnvTrue(process.env.AWS_S3_FORCE_PATH_STYLE)).toBe(false);
      expect(local.isEnvTrue('AWS_S3_FORCE_PATH_STYLE')).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.AWS_S3_FORCE_PATH_STYLE;
      else process.env.AWS_S3_FORCE_PATH_STYLE = saved;
    }
  });

  it('is what the CDK CLI reads to force path style for any endpoint', async () => {
    const { readFileSync } = await import('node:fs');
    const { dirname, join } = await import('node:path');
    const cli = readFileSync(
      join(dirname(require.resolve('aws-cdk/package.json')), 'lib', 'index.js'),
      'utf8',
    );
    expect(cli).toMatch(/function forceS3PathStyle\d*\(\) \{\s*if \(process\.env\.CDK_S3_FORCE_PATH_STYLE\)/);
  });
});
