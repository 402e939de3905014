import { type App, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { alertsSettings, bindAlertsTable } from './alerts-context.ts';
import { AlertsStack } from './stacks/alerts-stack.ts';
import { DriverStack } from './stacks/driver-stack.ts';
import { PlottingStack } from './stacks/plotting-stack.ts';
import { SizeTrackingStack } from './stacks/size-tracking-stack.ts';
import { StorageStack } from './stacks/storage-stack.ts';

export interface SizeTrackerStacks {
  readonly storage: StorageStack;
  readonly sizeTracking: SizeTrackingStack;
  readonly plotting: PlottingStack;
  readonly driver: DriverStack;
  readonly alerts: AlertsStack;
}

function contextInt(app: App, name: string, fallback: number): number {
  const raw = app.node.tryGetContext(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`context value "${name}" must be a positive integer, got "${raw}"`);
  return value;
}

/** A boolean context value: true, false, or (from the command line) "true"/"false". */
function contextBool(app: App, name: string, fallback: boolean): boolean {
  const raw = app.node.tryGetContext(name);
  if (raw === undefined) return fallback;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new Error(`context value "${name}" must be true or false, got "${raw}"`);
}

/**
 * The four stacks, wired with typed props: Storage <- SizeTracking <- Plotting <- Driver.
 * Context: `stage` (default dev; names the stacks and the API stage; `prod` keeps data on destroy),
 * `reconcileMinutes` (default 360), `driverPauseMs` (default 2000), `nag` (false skips cdk-nag),
 * `versioned` (default true: the tracked bucket keeps versions) and `noncurrentDays` (default 30:
 * noncurrent versions expire that many days after they stop being current), `openApi` (default
 * false: every API method needs a key of a usage plan throttled at `apiRateLimit` (250/s) with bursts of
 * `apiBurstLimit` (500) and `apiQuotaPerDay` (250,000) requests per key; true opens it for a demo), and
 * the alert settings (infra/alerts-context.ts: alertBytes, alertStoredBytes, alertObjects,
 * alertHysteresisPercent, alertEmail, alertApiP95Ms).
 */
export function buildSizeTracker(app: App): SizeTrackerStacks {
  const stage = String(app.node.tryGetContext('stage') ?? 'dev');
  if (!/^[a-z][a-z0-9-]{0,20}$/.test(stage)) {
    throw new Error(
      `context value "stage" must be lowercase letters, digits and dashes (max 21), got "${stage}"`,
    );
  }
  const removalPolicy = stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
  const prefix = `SizeTracker-${stage}`;

  const alerting = alertsSettings(app);
  const storage = new StorageStack(app, `${prefix}-Storage`, { removalPolicy });
  const sizeTracking = new SizeTrackingStack(app, `${prefix}-SizeTracking`, {
    historyTable: storage.historyTable,
    ledgerTable: storage.ledgerTable,
    removalPolicy,
    reconcileEvery: Duration.minutes(contextInt(app, 'reconcileMinutes', 360)),
    versioning: contextBool(app, 'versioned', true)
      ? { noncurrentDays: contextInt(app, 'noncurrentDays', 30) }
      : false,
  });
  for (const fn of [sizeTracking.trackerFunction, sizeTracking.reconcileFunction])
    bindAlertsTable(fn, storage.alertsTable, alerting.defaults);
  const plotting = new PlottingStack(app, `${prefix}-Plotting`, {
    alerts: {
      alertsTable: storage.alertsTable,
      ledgerTable: storage.ledgerTable,
      defaultThresholds: alerting.defaults,
    },
    historyTable: storage.historyTable,
    trackedBucket: sizeTracking.trackedBucket,
    removalPolicy,
    stageName: stage,
    apiAccess: contextBool(app, 'openApi', false)
      ? { open: true }
      : {
          open: false,
          rateLimit: contextInt(app, 'apiRateLimit', 250),
          burstLimit: contextInt(app, 'apiBurstLimit', 500),
          quotaPerDay: contextInt(app, 'apiQuotaPerDay', 250_000),
        },
  });
  const driver = new DriverStack(app, `${prefix}-Driver`, {
    trackedBucket: sizeTracking.trackedBucket,
    bucketWriterPolicy: sizeTracking.bucketWriterPolicy,
    plotUrl: plotting.plotUrl,
    ...(plotting.plotApiKeyId ? { plotApiKeyId: plotting.plotApiKeyId } : {}),
    pauseMs: contextInt(app, 'driverPauseMs', 2000),
  });

  const alerts = new AlertsStack(app, `${prefix}-Alerts`, {
    alertsTable: storage.alertsTable,
    plotUrl: plotting.plotUrl,
    plotApi: plotting.api,
    trackerFunction: sizeTracking.trackerFunction,
    reconcileFunction: sizeTracking.reconcileFunction,
    plotFunction: plotting.plotFunction,
    alertEmail: alerting.email,
    apiP95Ms: alerting.apiP95Ms,
  });

  if (app.node.tryGetContext('nag') !== 'false' && app.node.tryGetContext('nag') !== false) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  }
  return { storage, sizeTracking, plotting, driver, alerts };
}
