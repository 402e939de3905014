import { join } from 'node:path';
import type { CloudModel, LambdaFunctionSpec } from '../cloudformation/cloud-model.ts';
import type { InvokeOutcome } from '../lambda/runner.ts';
import { SqsPoller } from './event-source.ts';
import { attachSqs, sqsMappingsOf } from './resources.ts';
import { type SqsServer, startSqsServer } from './server.ts';
import { SqsService } from './service.ts';

/**
 * What the local cloud adds for SQS: the service and its API (before deploying, so queue URLs carry
 * the port), then, once the stacks are deployed, a poller per enabled event source mapping.
 */
export interface EmbeddedSqs {
  readonly service: SqsService;
  readonly server: SqsServer;
  readonly endpoint: string;
  stop(): Promise<void>;
}

export async function startEmbeddedSqs(options: {
  readonly model: CloudModel;
  readonly region: string;
  readonly accountId: string;
  /** null: in memory only. */
  readonly stateDir: string | null;
  readonly port?: number;
  readonly log: (line: string) => void;
}): Promise<EmbeddedSqs> {
  const service = new SqsService({
    region: options.region,
    accountId: options.accountId,
    dataDir: options.stateDir ? join(options.stateDir, 'sqs') : null,
    log: options.log,
  });
  const server = await startSqsServer({
    service,
    ...(options.port ? { port: options.port } : {}),
    log: options.log,
  });
  attachSqs(options.model, service);
  return {
    service,
    server,
    endpoint: server.endpoint,
    async stop() {
      await server.stop();
      service.stop();
    },
  };
}

export interface SqsMappings {
  readonly pollers: readonly SqsPoller[];
  /** A batch is being gathered or handled, or a mapped queue has messages to receive now. */
  busy(): boolean;
  /** Resolves once no mapping is busy (messages in flight after a failure are not waited for). */
  whenIdle(): Promise<void>;
  stop(): Promise<void>;
}

export function startSqsMappings(
  model: CloudModel,
  service: SqsService,
  options: {
    readonly invoke: (spec: LambdaFunctionSpec, event: unknown) => Promise<InvokeOutcome>;
    readonly log: (line: string) => void;
  },
): SqsMappings {
  const pollers: SqsPoller[] = [];
  for (const spec of sqsMappingsOf(model)) {
    if (!spec.enabled) {
      options.log(`SQS mapping ${spec.logicalId} is disabled: not polled`);
      continue;
    }
    const queue = service.queueOfArn(spec.queueArn);
    if (!queue) continue; // checked at deploy
    const fn = model.requireFunction(spec.functionName);
    const poller = new SqsPoller({
      spec,
      service,
      queue,
      log: options.log,
      invoke: async (event) => {
        const outcome = await options.invoke(fn, event);
        return outcome.ok
          ? { ok: true, payload: outcome.payload }
          : { ok: false, error: `${outcome.error.errorType}: ${outcome.error.errorMessage}` };
      },
    });
    poller.start();
    pollers.push(poller);
  }
  const busy = () => pollers.some((p) => p.busy());
  return {
    pollers,
    busy,
    async whenIdle() {
      while (busy()) await new Promise((resolve) => setTimeout(resolve, 10));
    },
    async stop() {
      await Promise.all(pollers.map((p) => p.stop()));
    },
  };
}
