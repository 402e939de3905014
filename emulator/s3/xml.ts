/**
 * The little XML the S3 API needs, as pure functions: writing responses (escaped text, S3's
 * namespace) and reading request bodies (DeleteObjects, CompleteMultipartUpload, versioning and
 * lifecycle configurations) into a plain element tree. Not a general XML parser: no DTDs, no
 * namespaces beyond ignoring prefixes; a body it cannot read is `null` (S3 answers MalformedXML).
 */

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** Escapes text for element content; control characters S3 keeps in keys become character references. */
export function escapeXml(text: string): string {
  let out = '';
  for (const c of text) {
    const code = c.codePointAt(0) ?? 0;
    if (c === '&') out += '&amp;';
    else if (c === '<') out += '&lt;';
    else if (c === '>') out += '&gt;';
    else if (c === '"') out += '&quot;';
    else if (c === "'") out += '&apos;';
    // XML readers normalise raw CR, LF and tabs and drop other control characters: keep them exact
    else if (code < 0x20) out += `&#x${code.toString(16).toUpperCase()};`;
    else out += c;
  }
  return out;
}

/** A value written as XML: text, a number or boolean, nested elements, or a list of repeated elements. */
export type XmlValue = string | number | boolean | undefined | null | XmlObject | XmlObject[];
export interface XmlObject {
  [name: string]: XmlValue | XmlValue[];
}

function render(name: string, value: XmlValue | XmlValue[]): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((item) => render(name, item)).join('');
  if (typeof value === 'object') {
    let inner = '';
    for (const [child, childValue] of Object.entries(value)) inner += render(child, childValue);
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** `<?xml ...?><Root xmlns="...">...</Root>`; undefined fields are left out, arrays repeat the element. */
export function xmlDocument(root: string, body: XmlObject): string {
  const inner = Object.entries(body)
    .map(([name, value]) => render(name, value))
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${S3_XMLNS}">${inner}</${root}>`;
}

/** One element of a parsed body: its local name, text (concatenated) and child elements. */
export interface XmlElement {
  name: string;
  text: string;
  children: XmlElement[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeText(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, entity: string) => {
    if (entity[0] === '#') {
      const code =
        entity[1] === 'x' || entity[1] === 'X'
          ? Number.parseInt(entity.slice(2), 16)
          : Number.parseInt(entity.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[entity] ?? whole;
  });
}

/** Parses a document into its root element; null when it is not well-formed. */
export function parseXml(xml: string): XmlElement | null {
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  const token =
    /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<(\/?)([^\s>/]+)([^>]*?)(\/?)>|([^<]+)/g;
  let match: RegExpExecArray | null;
  let consumed = 0;
  for (match = token.exec(xml); match !== null; match = token.exec(xml)) {
    if (match.index !== consumed) return null;
    consumed = token.lastIndex;
    const [, cdata, closing, rawName, , selfClosing, text] = match;
    const top = stack.at(-1);
    if (cdata !== undefined) {
      if (!top) return null;
      top.text += cdata;
    } else if (text !== undefined) {
      if (top) top.text += decodeText(text);
      else if (text.trim()) return null;
    } else if (rawName !== undefined) {
      const name = rawName.includes(':') ? rawName.slice(rawName.indexOf(':') + 1) : rawName;
      if (closing) {
        if (top?.name !== name) return null;
        stack.pop();
      } else {
        const element: XmlElement = { name, text: '', children: [] };
        if (top) top.children.push(element);
        else if (root) return null;
        else root = element;
        if (!selfClosing) stack.push(element);
      }
    }
  }
  if (consumed !== xml.length || stack.length > 0) return null;
  return root;
}

/** The first child named `name`. */
export function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name);
}

/** Every child named `name`. */
export function children(element: XmlElement | undefined, name: string): XmlElement[] {
  return element?.children.filter((c) => c.name === name) ?? [];
}

/** The text of the first child named `name`, trimmed unless asked not to. */
export function childText(element: XmlElement | undefined, name: string, trim = true): string | undefined {
  const found = child(element, name);
  if (!found) return undefined;
  return trim ? found.text.trim() : found.text;
}
