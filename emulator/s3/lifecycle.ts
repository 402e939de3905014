/**
 * Lifecycle configurations (pure): read from S3's XML or CloudFormation's LifecycleConfiguration,
 * written back as XML, and evaluated against the emulated clock. S3 counts N days from the
 * object's creation (a noncurrent version: from when it became noncurrent) and rounds up to the
 * next midnight UTC; the expiry happens at the first run at or after that time.
 */
import { randomBytes } from 'node:crypto';
import { S3Error } from './errors.ts';
import { child, children, childText, type XmlElement, type XmlObject } from './xml.ts';

export interface LifecycleRule {
  id?: string;
  enabled: boolean;
  prefix: string;
  tags: { key: string; value: string }[];
  sizeGreaterThan?: number;
  sizeLessThan?: number;
  expirationDays?: number;
  /** ISO date; objects expire from then on. */
  expirationDate?: string;
  expiredObjectDeleteMarker?: boolean;
  noncurrentDays?: number;
  newerNoncurrentVersions?: number;
  abortDaysAfterInitiation?: number;
  /** The rule's Filter was written in the legacy form (a Prefix outside Filter). */
  legacyPrefix?: boolean;
}

export const DAY_MS = 86_400_000;

/** When something N days after `startMs` expires: the next midnight UTC after start + N days. */
export function expiryTime(startMs: number, days: number): number {
  return Math.ceil((startMs + days * DAY_MS) / DAY_MS) * DAY_MS;
}

function positiveInt(text: string | undefined, field: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    throw new S3Error('InvalidArgument', `'${field}' for a lifecycle rule must be a positive integer`);
  }
  return value;
}

/** Rules from a PutBucketLifecycleConfiguration body. */
export function parseLifecycleXml(root: XmlElement | null): LifecycleRule[] {
  if (root?.name !== 'LifecycleConfiguration') throw new S3Error('MalformedXML');
  const rules = children(root, 'Rule').map((rule): LifecycleRule => {
    const status = childText(rule, 'Status');
    if (status !== 'Enabled' && status !== 'Disabled') throw new S3Error('MalformedXML');
    const filter = child(rule, 'Filter');
    const and = child(filter, 'And');
    const tagsOf = (parent: XmlElement | undefined) =>
      children(parent, 'Tag').map((t) => ({
        key: childText(t, 'Key', false) ?? '',
        value: childText(t, 'Value', false) ?? '',
      }));
    const legacy = childText(rule, 'Prefix', false);
    const expiration = child(rule, 'Expiration');
    const noncurrent = child(rule, 'NoncurrentVersionExpiration');
    const abort = child(rule, 'AbortIncompleteMultipartUpload');
    const size = (name: string) => {
      const text = childText(and ?? filter, name);
      return text === undefined ? undefined : Number(text);
    };
    const id = childText(rule, 'ID', false);
    if (id !== undefined && id.length > 255)
      throw new S3Error('InvalidArgument', 'ID length should not exceed allowed limit of 255');
    const parsed: LifecycleRule = {
      // S3 names a rule that has no ID
      id: id ?? randomBytes(24).toString('base64url'),
      enabled: status === 'Enabled',
      prefix: legacy ?? childText(and ?? filter, 'Prefix', false) ?? '',
      tags: [...tagsOf(filter), ...tagsOf(and)],
      ...(legacy !== undefined ? { legacyPrefix: true } : {}),
    };
    const greater = size('ObjectSizeGreaterThan');
    if (greater !== undefined) parsed.sizeGreaterThan = greater;
    const less = size('ObjectSizeLessThan');
    if (less !== undefined) parsed.sizeLessThan = less;
    const days = positiveInt(childText(expiration, 'Days'), 'Days');
    if (days !== undefined) parsed.expirationDays = days;
    const date = childText(expiration, 'Date');
    if (date !== undefined) {
      if (Number.isNaN(Date.parse(date)) || !/T00:00:00(\.000)?(Z|[+-]00:00)$/.test(date)) {
        throw new S3Error('InvalidArgument', "'Date' must be at midnight GMT");
      }
      parsed.expirationDate = new Date(date).toISOString();
    }
    if (childText(expiration, 'ExpiredObjectDeleteMarker') === 'true')
      parsed.expiredObjectDeleteMarker = true;
    const noncurrentDays = positiveInt(childText(noncurrent, 'NoncurrentDays'), 'NoncurrentDays');
    if (noncurrentDays !== undefined) parsed.noncurrentDays = noncurrentDays;
    const newer = positiveInt(childText(noncurrent, 'NewerNoncurrentVersions'), 'NewerNoncurrentVersions');
    if (newer !== undefined) parsed.newerNoncurrentVersions = newer;
    const abortDays = positiveInt(childText(abort, 'DaysAfterInitiation'), 'DaysAfterInitiation');
    if (abortDays !== undefined) parsed.abortDaysAfterInitiation = abortDays;
    return parsed;
  });
  if (rules.length === 0 || rules.length > 1000) throw new S3Error('MalformedXML');
  const ids = rules.map((r) => r.id).filter((id) => id !== undefined);
  if (new Set(ids).size !== ids.length)
    throw new S3Error('InvalidArgument', 'Rule ID must be unique. Found same ID for more than one rule');
  return rules;
}

/** The rules as GetBucketLifecycleConfiguration writes them. */
export function lifecycleXml(rules: readonly LifecycleRule[]): XmlObject {
  return {
    Rule: rules.map((rule) => {
      const tags = rule.tags.map((t) => ({ Key: t.key, Value: t.value }));
      const sizes = {
        ObjectSizeGreaterThan: rule.sizeGreaterThan,
        ObjectSizeLessThan: rule.sizeLessThan,
      };
      const conditions =
        tags.length +
        (rule.prefix ? 1 : 0) +
        (rule.sizeGreaterThan !== undefined ? 1 : 0) +
        (rule.sizeLessThan !== undefined ? 1 : 0);
      const filter =
        conditions > 1
          ? { And: { Prefix: rule.prefix || undefined, Tag: tags, ...sizes } }
          : { Prefix: tags.length ? undefined : rule.prefix, Tag: tags, ...sizes };
      return {
        Expiration:
          rule.expirationDays !== undefined ||
          rule.expirationDate !== undefined ||
          rule.expiredObjectDeleteMarker
            ? {
                Days: rule.expirationDays,
                Date: rule.expirationDate,
                ExpiredObjectDeleteMarker: rule.expiredObjectDeleteMarker,
              }
            : undefined,
        ID: rule.id,
        ...(rule.legacyPrefix ? { Prefix: rule.prefix } : { Filter: filter }),
        Status: rule.enabled ? 'Enabled' : 'Disabled',
        NoncurrentVersionExpiration:
          rule.noncurrentDays !== undefined
            ? { NoncurrentDays: rule.noncurrentDays, NewerNoncurrentVersions: rule.newerNoncurrentVersions }
            : undefined,
        AbortIncompleteMultipartUpload:
          rule.abortDaysAfterInitiation !== undefined
            ? { DaysAfterInitiation: rule.abortDaysAfterInitiation }
            : undefined,
      };
    }),
  };
}

/** Whether a rule applies to an object version. */
export function ruleMatches(
  rule: LifecycleRule,
  key: string,
  tags: Record<string, string>,
  size: number,
): boolean {
  if (!rule.enabled || !key.startsWith(rule.prefix)) return false;
  if (rule.tags.some((t) => tags[t.key] !== t.value)) return false;
  if (rule.sizeGreaterThan !== undefined && !(size > rule.sizeGreaterThan)) return false;
  if (rule.sizeLessThan !== undefined && !(size < rule.sizeLessThan)) return false;
  return true;
}

export interface LifecycleVersion {
  versionId: string;
  deleteMarker: boolean;
  lastModified: number;
  size: number;
  tags: Record<string, string>;
}

export type LifecycleAction =
  | { kind: 'expire-current'; key: string }
  | { kind: 'remove-version'; key: string; versionId: string };

/** What the rules do now to the versions of one key (newest first). */
export function evaluateKey(
  rules: readonly LifecycleRule[],
  key: string,
  versions: readonly LifecycleVersion[],
  now: number,
): LifecycleAction[] {
  const actions: LifecycleAction[] = [];
  const current = versions[0];
  if (!current) return actions;
  if (!current.deleteMarker) {
    const expires = rules.some(
      (rule) =>
        ruleMatches(rule, key, current.tags, current.size) &&
        ((rule.expirationDays !== undefined &&
          now >= expiryTime(current.lastModified, rule.expirationDays)) ||
          (rule.expirationDate !== undefined && now >= Date.parse(rule.expirationDate))),
    );
    if (expires) actions.push({ kind: 'expire-current', key });
  } else if (versions.length === 1) {
    const removes = rules.some((rule) => rule.expiredObjectDeleteMarker && ruleMatches(rule, key, {}, 0));
    if (removes) actions.push({ kind: 'remove-version', key, versionId: current.versionId });
  }
  for (let i = 1; i < versions.length; i++) {
    const version = versions[i] as LifecycleVersion;
    const noncurrentSince = (versions[i - 1] as LifecycleVersion).lastModified;
    const newerNoncurrent = i - 1; // noncurrent versions newer than this one
    const expires = rules.some(
      (rule) =>
        rule.noncurrentDays !== undefined &&
        ruleMatches(rule, key, version.tags, version.size) &&
        newerNoncurrent >= (rule.newerNoncurrentVersions ?? 0) &&
        now >= expiryTime(noncurrentSince, rule.noncurrentDays),
    );
    if (expires) actions.push({ kind: 'remove-version', key, versionId: version.versionId });
  }
  return actions;
}

/** Whether an incomplete multipart upload is aborted now. */
export function abortsUpload(
  rules: readonly LifecycleRule[],
  key: string,
  initiated: number,
  now: number,
): boolean {
  return rules.some(
    (rule) =>
      rule.enabled &&
      rule.abortDaysAfterInitiation !== undefined &&
      key.startsWith(rule.prefix) &&
      now >= expiryTime(initiated, rule.abortDaysAfterInitiation),
  );
}

/** CloudFormation's AWS::S3::Bucket LifecycleConfiguration into rules (deploy time). */
export function rulesFromCloudFormation(config: unknown, where: string): LifecycleRule[] {
  const rules = (config as { Rules?: unknown }).Rules;
  if (!Array.isArray(rules)) throw new Error(`${where}: LifecycleConfiguration.Rules must be a list`);
  return rules.map((raw, i) => {
    const rule = raw as Record<string, unknown>;
    const at = `${where}: LifecycleConfiguration.Rules[${i}]`;
    const num = (value: unknown, field: string): number | undefined => {
      if (value === undefined) return undefined;
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${at}.${field} must be a whole number`);
      return n;
    };
    if (rule.Status !== 'Enabled' && rule.Status !== 'Disabled')
      throw new Error(`${at}.Status must be Enabled or Disabled`);
    const noncurrent = (rule.NoncurrentVersionExpiration ?? {}) as Record<string, unknown>;
    const abort = (rule.AbortIncompleteMultipartUpload ?? {}) as Record<string, unknown>;
    const tagFilters = (rule.TagFilters ?? []) as { Key?: unknown; Value?: unknown }[];
    const parsed: LifecycleRule = {
      ...(typeof rule.Id === 'string' ? { id: rule.Id } : {}),
      enabled: rule.Status === 'Enabled',
      prefix: typeof rule.Prefix === 'string' ? rule.Prefix : '',
      tags: tagFilters.map((t) => ({ key: String(t.Key), value: String(t.Value) })),
    };
    const set = <K extends keyof LifecycleRule>(name: K, value: LifecycleRule[K] | undefined) => {
      if (value !== undefined) parsed[name] = value;
    };
    set('expirationDays', num(rule.ExpirationInDays, 'ExpirationInDays'));
    if (typeof rule.ExpirationDate === 'string')
      set('expirationDate', new Date(rule.ExpirationDate).toISOString());
    if (rule.ExpiredObjectDeleteMarker === true || rule.ExpiredObjectDeleteMarker === 'true')
      set('expiredObjectDeleteMarker', true);
    set(
      'noncurrentDays',
      num(
        noncurrent.NoncurrentDays ?? rule.NoncurrentVersionExpirationInDays,
        'NoncurrentVersionExpiration.NoncurrentDays',
      ),
    );
    set(
      'newerNoncurrentVersions',
      num(noncurrent.NewerNoncurrentVersions, 'NoncurrentVersionExpiration.NewerNoncurrentVersions'),
    );
    set(
      'abortDaysAfterInitiation',
      num(abort.DaysAfterInitiation, 'AbortIncompleteMultipartUpload.DaysAfterInitiation'),
    );
    set('sizeGreaterThan', num(rule.ObjectSizeGreaterThan, 'ObjectSizeGreaterThan'));
    set('sizeLessThan', num(rule.ObjectSizeLessThan, 'ObjectSizeLessThan'));
    return parsed;
  });
}
