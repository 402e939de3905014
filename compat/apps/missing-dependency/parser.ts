import { parse } from 'yaml';

/** Parses YAML with a package the bundle does not contain. */
export async function handler(event: { document: string }) {
  return parse(event.document);
}
