import { shout, version } from 'shout';

/** Uses the layer's package. */
export async function handler(event: { text: string }) {
  return { text: shout(event.text), layerPackage: version };
}
