/**
 * Records keyed by names a client chose (query parameters, headers, message attribute names, user
 * metadata). A plain object misreads such names: `out['__proto__'] = v` sets a prototype instead of a
 * key (the name is lost), `toString` or `constructor` is found on Object.prototype before it is set,
 * and a dotted form parameter `__proto__.x=1` walked into nested plain objects writes x onto
 * Object.prototype itself, for the whole local cloud process. AWS treats these names like any other.
 */

/** An empty record without a prototype: every key is the client's. */
export function clientKeyed<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** The record's own value for `name`, never one inherited from Object.prototype. */
export function ownValue<T>(record: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}
