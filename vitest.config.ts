import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'integration/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // vitest's default on 2 cores is ONE test file at a time (cores - 1), and most files spend their
    // time waiting on child processes (DynamoDB Local, s3rver, function environments). Two at a time:
    // test/ took 112 s instead of 150 s, back to back on the same loaded machine. Three were faster
    // still but squeezed a 1 s function timeout in runner.test.ts on a loaded machine.
    maxWorkers: 2,
    // Test files share the two worker processes instead of one fresh process each: vitest reported
    // ~480 ms of start-up per file (91 files), and the heavy imports (AWS SDK, aws-cdk-lib) load once
    // per worker. The vitest phase of make test: 181 s -> 127-137 s. Files that change process.env or
    // load handler modules put both back (test/support/lambda.ts functionEnvironment).
    isolate: false,
    // Function logs (structured JSON) are shown for failing tests only.
    silent: 'passed-only',
  },
});
