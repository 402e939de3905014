import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { handlersDir, repoRoot } from '../paths.ts';

export interface HandlerFunctionProps extends Omit<NodejsFunctionProps, 'entry' | 'handler'> {
  /** Source file under handlers/ exporting `handler`, e.g. 'size-tracking.ts'. */
  readonly source: string;
}

/**
 * One Lambda function of this app, with the defaults every function shares: Node 24, ESM bundle
 * built by the local esbuild (no Docker), AWS SDK bundled so every target runs the same pinned SDK,
 * source maps, structured logging.
 */
export class HandlerFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    const { source, bundling, environment, ...rest } = props;
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
        format: OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        bundleAwsSDK: true,
        // CommonJS dependencies inside an ESM bundle still call require().
        banner:
          "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
        ...bundling,
      },
    });
  }
}
