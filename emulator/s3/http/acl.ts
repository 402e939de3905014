/**
 * ACLs as S3 answers them, never enforced (every request is the one account's): a canned ACL
 * (`x-amz-acl`) is kept by name and rendered as S3's grants; an AccessControlPolicy body is kept and
 * given back as sent; without either, the private default (the owner with FULL_CONTROL).
 * Objects' ACLs live in the bucket's configurations under one name per key and version.
 */
import { S3Error } from '../errors.ts';
import { escapeXml, S3_XMLNS } from '../xml.ts';
import { header, OWNER, type RequestContext } from './context.ts';

const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const AUTHENTICATED_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
const LOG_DELIVERY = 'http://acs.amazonaws.com/groups/s3/LogDelivery';

/** The group grants of each canned ACL; the owner's FULL_CONTROL comes with every one. */
const CANNED: Record<string, readonly { uri: string; permission: string }[]> = {
  private: [],
  'public-read': [{ uri: ALL_USERS, permission: 'READ' }],
  'public-read-write': [
    { uri: ALL_USERS, permission: 'READ' },
    { uri: ALL_USERS, permission: 'WRITE' },
  ],
  'authenticated-read': [{ uri: AUTHENTICATED_USERS, permission: 'READ' }],
  // the bucket owner is the object owner here (one account): nothing beyond FULL_CONTROL
  'bucket-owner-read': [],
  'bucket-owner-full-control': [],
  'aws-exec-read': [],
  'log-delivery-write': [
    { uri: LOG_DELIVERY, permission: 'WRITE' },
    { uri: LOG_DELIVERY, permission: 'READ_ACP' },
  ],
};

const CANNED_PREFIX = 'canned:';

/** The name an object version's ACL is kept under in its bucket's configurations. */
export function objectAclName(key: string, versionId: string): string {
  return `acl-object:${versionId}:${key}`;
}

/** The request's canned ACL as it is kept, undefined without `x-amz-acl`; an unknown one is a 400. */
export function cannedAclOf(ctx: RequestContext): string | undefined {
  const name = header(ctx, 'x-amz-acl');
  if (name === undefined) return undefined;
  if (!(name in CANNED))
    throw new S3Error('InvalidArgument', undefined, { ArgumentName: 'x-amz-acl', ArgumentValue: name });
  return CANNED_PREFIX + name;
}

/** Answers GET ?acl from what was kept (undefined or '': the private default). */
export function sendAcl(ctx: RequestContext, kept: string | undefined): void {
  let text: string;
  if (kept && !kept.startsWith(CANNED_PREFIX)) {
    text = kept.trim().startsWith('<?xml') ? kept : `<?xml version="1.0" encoding="UTF-8"?>\n${kept}`;
  } else {
    const groups = CANNED[(kept ?? '').slice(CANNED_PREFIX.length)] ?? [];
    text = aclXml(groups);
  }
  ctx.res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(text) });
  ctx.res.end(ctx.method === 'HEAD' ? undefined : text);
}

// S3 types each grantee with an xsi:type attribute (SDKs read Grantee.Type from it), which the plain
// XML writer does not do, so the body is written here.
function aclXml(groups: readonly { uri: string; permission: string }[]): string {
  const xsi = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
  const owner = `<ID>${escapeXml(OWNER.ID)}</ID><DisplayName>${escapeXml(OWNER.DisplayName)}</DisplayName>`;
  const grant = (grantee: string, permission: string) =>
    `<Grant>${grantee}<Permission>${permission}</Permission></Grant>`;
  const grants = [
    ...groups.map((g) =>
      grant(`<Grantee ${xsi} xsi:type="Group"><URI>${g.uri}</URI></Grantee>`, g.permission),
    ),
    grant(`<Grantee ${xsi} xsi:type="CanonicalUser">${owner}</Grantee>`, 'FULL_CONTROL'),
  ];
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<AccessControlPolicy xmlns="${S3_XMLNS}"><Owner>${owner}</Owner>` +
    `<AccessControlList>${grants.join('')}</AccessControlList></AccessControlPolicy>`
  );
}

/** PUT ?acl on an object version: a canned ACL or an AccessControlPolicy body, kept for GET ?acl. */
export function putObjectAcl(ctx: RequestContext, key: string, versionId: string, body: string): void {
  const kept = cannedAclOf(ctx) ?? (body.trim() === '' ? undefined : body);
  ctx.store.setConfig(ctx.bucket, objectAclName(key, versionId), kept);
}

/** A new object version starts with the ACL its PUT named, or the private default. */
export function keepNewObjectAcl(ctx: RequestContext, key: string, versionId: string): void {
  const name = objectAclName(key, versionId);
  const kept = cannedAclOf(ctx);
  if (kept !== undefined || ctx.store.bucket(ctx.bucket).configs[name] !== undefined)
    ctx.store.setConfig(ctx.bucket, name, kept);
}
