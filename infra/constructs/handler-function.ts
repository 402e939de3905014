import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { handlersDir, repoRoot } from '../paths.ts';

export interface HandlerFunctionProps extends Omit<NodejsFunctionProps, 'entry' | 'handler'> {
  /** Source file under handlers/ exporting `handler`, e.g. 'size-tracking.ts'. */
  readonly source: string;
  /**
   * The bundle's module format. CommonJS by default: an ES module's `import` of a Node built-in
   * builds the built-in's whole namespace, and node:http's has lazy exports (WebSocket...) that load
   * undici, so the SDK's ESM build makes every cold start pay for it (Node 24: the size tracker's
   * bundle loads in 143 ms of CPU as CommonJS, 168 ms as ESM, medians of 10; 71 built-ins, not 117).
   * 'esm' for a handler that needs `import.meta` (files beside its bundle).
   */
  readonly moduleFormat?: 'commonjs' | 'esm';
}

/**
 * One Lambda function of this app, with the defaults every function shares: Node 24, a CommonJS
 * bundle (ESM where asked) built by the local esbuild (no Docker), AWS SDK bundled so every target
 * runs the same pinned SDK, source maps, structured logging.
 */
export class HandlerFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    const { source, bundling, environment, moduleFormat, ...rest } = props;
    super(scope, id, {
      entry: join(handlersDir, source),
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.X86_64,
      memorySize: 256,
      timeout: Duration.seconds(30),
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, 'package-lock.json'),
      ...rest,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...environment,
      },
      bundling: {
        target: 'node24',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        // Stack traces need the map's positions, not a copy of every bundled source: without them the
        // map is 0.9 MB instead of 2.4 MB, and Node (--enable-source-maps) reads it at every cold
        // start (size tracker: 182 -> 156 ms of CPU, medians of 10).
        sourcesContent: false,
        bundleAwsSDK: true,
        ...(moduleFormat === 'esm'
          ? {
              format: OutputFormat.ESM,
              // CommonJS dependencies inside an ESM bundle still call require().
              banner:
                "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
            }
          : {
              format: OutputFormat.CJS,
              // The SDK loads node:http with `import()` when an endpoint is http: (the local targets'
              // are). In a CommonJS bundle that builds node:http's ES namespace, which loads undici:
              // 36-41 ms of CPU in every fresh environment, against 0.7 ms for require() (Node 24).
              // esbuild turns the bundle's `import()` of externals into require().
              esbuildArgs: { '--supported:dynamic-import': 'false' },
            }),
        ...bundling,
      },
    });
  }
}
