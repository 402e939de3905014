import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { FinalizeRequestMiddleware, MiddlewareStack } from '@smithy/types';

/**
 * Counts every HTTP request an SDK v3 client sends, by service and operation. The middleware sits in
 * the `finalizeRequest` step at low priority, i.e. inside the retry middleware (high priority in the
 * same step), so each attempt of a retried call counts.
 */
export class CallCounter {
  private readonly counts = new Map<string, number>();

  attach(client: S3Client | DynamoDBClient, service: 'S3' | 'DynamoDB'): void {
    const count: FinalizeRequestMiddleware<object, object> = (next, context) => async (args) => {
      const name = `${service}.${String(context.commandName ?? 'unknown').replace(/Command$/, '')}`;
      this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
      return next(args);
    };
    (client.middlewareStack as unknown as MiddlewareStack<object, object>).add(count, {
      step: 'finalizeRequest',
      priority: 'low',
      name: `benchCallCounter${service}`,
    });
  }

  total(): number {
    let sum = 0;
    for (const value of this.counts.values()) sum += value;
    return sum;
  }

  byOperation(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort());
  }

  reset(): void {
    this.counts.clear();
  }
}
