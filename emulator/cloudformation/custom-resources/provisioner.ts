import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { replaceFile } from '../../services/replace-file.ts';
import type { CloudModel, LambdaFunctionSpec } from '../cloud-model.ts';
import type { PhysicalResource } from '../template.ts';
import {
  type CustomResourceRequest,
  type CustomResourceResponse,
  parseResponse,
  type RequestType,
  sameProperties,
  serviceTimeoutMs,
  serviceTokenKind,
  stringifyProperties,
} from './protocol.ts';
import type { ResponseEndpoint } from './response-endpoint.ts';

/** How long a response may still arrive after the provider's invocation ended (a PUT in flight). */
const AFTER_INVOCATION_GRACE_MS = 1000;

export type ProviderOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: { readonly errorType: string; readonly errorMessage: string } };

export interface ProvisionerOptions {
  readonly endpoint: ResponseEndpoint;
  readonly model: CloudModel;
  /** A synchronous invocation of the provider (one attempt). */
  readonly invoke: (spec: LambdaFunctionSpec, event: unknown) => Promise<ProviderOutcome>;
  /** Where the created custom resources are kept across restarts; null: not kept. */
  readonly stateDir: string | null;
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
  readonly log: (line: string) => void;
}

/** A custom resource as CloudFormation remembers it: what it sent last and what the provider answered. */
interface CustomResourceRecord {
  readonly stack: string;
  readonly logicalId: string;
  readonly type: string;
  readonly physicalResourceId: string;
  readonly properties: Record<string, unknown>;
  readonly data: Record<string, unknown>;
  readonly sequence: number;
}

/**
 * Sends CloudFormation's Create/Update/Delete requests to Lambda-backed custom resources and waits
 * for their responses at the ResponseURL. Remembers what it created (in `<stateDir>/custom-resources.json`),
 * so a restart on the same state sends nothing for an unchanged resource and an Update for a changed
 * one, as a stack update does; undoes this run's changes when a deployment fails (rollback), and
 * deletes everything on `destroy()`.
 */
export class CustomResourceProvisioner {
  private readonly options: ProvisionerOptions;
  private readonly records = new Map<string, CustomResourceRecord>();
  private readonly undo: (() => Promise<void>)[] = [];
  private sequence = 0;

  constructor(options: ProvisionerOptions) {
    this.options = options;
    const file = this.file();
    if (file && existsSync(file)) {
      for (const record of JSON.parse(readFileSync(file, 'utf8')) as CustomResourceRecord[]) {
        this.records.set(`${record.stack}/${record.logicalId}`, record);
        this.sequence = Math.max(this.sequence, record.sequence);
      }
    }
  }

  /** Creates the resource, or updates it when its properties changed since the last deployment. */
  async deploy(
    stack: string,
    logicalId: string,
    type: string,
    template: Record<string, unknown>,
  ): Promise<PhysicalResource> {
    const key = `${stack}/${logicalId}`;
    const where = `stack ${stack}, resource ${logicalId} (${type})`;
    const properties = stringifyProperties(template) as Record<string, unknown>;
    const previous = this.records.get(key);
    if (previous && sameProperties(previous.properties, properties)) return physical(previous);

    const requestType: RequestType = previous ? 'Update' : 'Create';
    let response: CustomResourceResponse;
    try {
      response = await this.send(where, stack, logicalId, type, requestType, properties, previous);
    } catch (err) {
      // CloudFormation's rollback deletes a resource whose Create failed, with the id its FAILED response gave
      const failedId = (err as { physicalResourceId?: string }).physicalResourceId;
      if (requestType === 'Create' && failedId) {
        const failed = {
          stack,
          logicalId,
          type,
          physicalResourceId: failedId,
          properties,
          data: {},
          sequence: 0,
        };
        this.undo.push(() => this.remove(failed, false));
      }
      // and sends a failed Update an Update back to the old properties
      if (previous) {
        const attempted = { ...previous, properties };
        this.undo.push(async () => {
          await this.send(
            `${where} (rollback)`,
            stack,
            logicalId,
            type,
            'Update',
            previous.properties,
            attempted,
          );
        });
      }
      throw err;
    }
    const record: CustomResourceRecord = {
      stack,
      logicalId,
      type,
      physicalResourceId: response.PhysicalResourceId,
      properties,
      data: { ...response.Data },
      sequence: ++this.sequence,
    };
    this.records.set(key, record);
    this.save();
    if (previous) {
      // a new physical id replaces the resource: CloudFormation deletes the old one (here at once, not at cleanup)
      if (previous.physicalResourceId !== record.physicalResourceId) await this.remove(previous, false);
      this.undo.push(async () => {
        await this.send(`${where} (rollback)`, stack, logicalId, type, 'Update', previous.properties, record);
        this.records.set(key, previous);
        this.save();
      });
    } else this.undo.push(() => this.remove(record, true));
    return physical(record);
  }

  /** A failed deployment: undoes this run's creations and updates in reverse order, as a rollback does. */
  async rollback(): Promise<void> {
    for (const step of this.undo.splice(0).reverse()) {
      await step().catch((err: Error) => this.options.log(`rollback: ${err.message}`));
    }
  }

  /** Deletes every custom resource of the state, the newest first (a stack deletion). */
  async deleteAll(): Promise<void> {
    this.undo.length = 0;
    const all = [...this.records.values()].sort((a, b) => b.sequence - a.sequence);
    for (const record of all) {
      await this.remove(record, true).catch((err: Error) => this.options.log(`delete: ${err.message}`));
    }
  }

  private async remove(record: CustomResourceRecord, forget: boolean): Promise<void> {
    const where = `stack ${record.stack}, resource ${record.logicalId} (${record.type})`;
    await this.send(where, record.stack, record.logicalId, record.type, 'Delete', record.properties, record);
    if (forget) {
      this.records.delete(`${record.stack}/${record.logicalId}`);
      this.save();
    }
  }

  private async send(
    where: string,
    stack: string,
    logicalId: string,
    type: string,
    requestType: RequestType,
    properties: Record<string, unknown>,
    previous: CustomResourceRecord | undefined,
  ): Promise<CustomResourceResponse> {
    const fail = (message: string): never => {
      throw new Error(`${where}: ${message}`);
    };
    const token = properties.ServiceToken;
    const kind = serviceTokenKind(token);
    if (kind !== 'lambda') return fail(kind.problem);
    const spec =
      this.options.model.findFunction(token as string) ??
      fail(`ServiceToken ${String(token)}: no such function in this cloud`);
    let timeoutMs = 0;
    try {
      timeoutMs = serviceTimeoutMs(properties.ServiceTimeout);
    } catch (err) {
      fail((err as Error).message);
    }
    const { partition, region, accountId } = this.options;
    const requestId = randomUUID();
    const request: CustomResourceRequest = {
      RequestType: requestType,
      ServiceToken: token as string,
      ResponseURL: this.options.endpoint.urlFor(requestId),
      StackId: `arn:${partition}:cloudformation:${region}:${accountId}:stack/${stack}/local`,
      RequestId: requestId,
      LogicalResourceId: logicalId,
      ResourceType: type,
      ...(previous ? { PhysicalResourceId: previous.physicalResourceId } : {}),
      ResourceProperties: properties,
      ...(requestType === 'Update' && previous ? { OldResourceProperties: previous.properties } : {}),
    };
    this.options.log(`${where}: ${requestType} request to ${spec.name}`);
    const body = await this.awaitResponse(where, spec, request, timeoutMs);
    let response: CustomResourceResponse;
    try {
      response = parseResponse(body, request);
    } catch (err) {
      return fail(`${requestType.toUpperCase()}_FAILED: ${(err as Error).message}`);
    }
    if (response.Status === 'FAILED') {
      const error = new Error(
        `${where}: ${requestType.toUpperCase()}_FAILED: Received response status [FAILED] from custom resource. Message returned: ${response.Reason ?? '(no reason given)'} (RequestId: ${requestId})`,
      );
      throw Object.assign(error, { physicalResourceId: response.PhysicalResourceId });
    }
    if (requestType === 'Delete' && previous && response.PhysicalResourceId !== previous.physicalResourceId)
      this.options.log(
        `${where}: the Delete response changed the physical id (ignored, as CloudFormation does)`,
      );
    return response;
  }

  /**
   * The response body, or an error: no response within ServiceTimeout (AWS: 3600 s by default), or
   * the invocation ended (with an error, or returning) without a response. AWS would retry a failed
   * asynchronous invocation twice and then wait until the timeout; the embedded cloud invokes once,
   * synchronously, and fails at once with the function's error: the same outcome, without the hour.
   */
  private async awaitResponse(
    where: string,
    spec: LambdaFunctionSpec,
    request: CustomResourceRequest,
    timeoutMs: number,
  ): Promise<string> {
    const endpoint = this.options.endpoint;
    const id = request.RequestId;
    const timers: NodeJS.Timeout[] = [];
    let settled = false;
    const after = (ms: number, message: string) =>
      new Promise<never>((_resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${where}: ${message}`)), ms);
        timers.push(timer);
      });
    const invocationEnded = this.options.invoke(spec, request).then((outcome) => {
      if (settled) return new Promise<never>(() => {});
      const why = outcome.ok
        ? `the provider function ${spec.name} returned without sending a response to the ResponseURL`
        : `the provider function ${spec.name} failed without sending a response: ${outcome.error.errorType}: ${outcome.error.errorMessage}`;
      return after(AFTER_INVOCATION_GRACE_MS, `${request.RequestType.toUpperCase()}_FAILED: ${why}`);
    });
    try {
      return await Promise.race([
        endpoint.next(id),
        invocationEnded,
        after(
          timeoutMs,
          `${request.RequestType.toUpperCase()}_FAILED: CloudFormation did not receive a response from your Custom Resource within ServiceTimeout (${timeoutMs / 1000} s; RequestId ${id}); see the logs of ${spec.name}`,
        ),
      ]);
    } finally {
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      endpoint.forget(id);
    }
  }

  private file(): string | null {
    return this.options.stateDir ? join(this.options.stateDir, 'custom-resources.json') : null;
  }

  private save(): void {
    const file = this.file();
    if (!file) return;
    replaceFile(file, JSON.stringify([...this.records.values()], null, 2));
  }
}

/** Ref is the physical id; Fn::GetAtt reads the response's Data keys. */
function physical(record: CustomResourceRecord): PhysicalResource {
  return { ref: record.physicalResourceId, attributes: record.data };
}
