import { parseXml, type XmlElement } from '../../s3/xml.ts';

/**
 * The JSON form of a query-protocol answer (SNS), which AWS gives a caller that accepts
 * application/json, as API Gateway's AWS integrations do: `{"PublishResponse": {"PublishResult":
 * {"MessageId": ...}, "ResponseMetadata": {"RequestId": ...}}}`; `member` lists become arrays,
 * `entry` key/value lists objects. Undefined when the body is not XML. Pure.
 */
function toJson(element: XmlElement): unknown {
  if (element.children.length === 0) return element.text.trim() === '' ? null : element.text;
  if (element.children.every((child) => child.name === 'member')) return element.children.map(toJson);
  if (element.children.every((child) => child.name === 'entry')) {
    const map: Record<string, unknown> = {};
    for (const entry of element.children) {
      const key = entry.children.find((child) => child.name === 'key');
      const value = entry.children.find((child) => child.name === 'value');
      if (key) map[key.text] = value ? toJson(value) : null;
    }
    return map;
  }
  const object: Record<string, unknown> = {};
  for (const child of element.children) {
    const value = toJson(child);
    const seen = object[child.name];
    if (seen === undefined) object[child.name] = value;
    else
      object[child.name] =
        Array.isArray(seen) && child.name === 'Error' ? [...seen, value] : [seen, value].flat();
  }
  return object;
}

export function queryAnswerAsJson(xml: string): string | undefined {
  const root = parseXml(xml.trim());
  return root ? JSON.stringify({ [root.name]: toJson(root) }) : undefined;
}
