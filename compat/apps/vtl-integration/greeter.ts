/** A non-proxy handler: gets what the request template made, returns plain data. */
export async function handler(event: { name: string; method: string }) {
  if (event.name === 'nobody') throw new Error(`no such person: ${event.name}`);
  return { greeting: `hello ${event.name}`, method: event.method };
}
