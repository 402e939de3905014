import type { Context } from 'aws-lambda';

/** Greets, and says which function and log group it ran as. */
export async function handler(event: { name?: string }, context: Context) {
  console.log(`greeting ${event.name}`);
  return { message: `hello ${event.name ?? 'nobody'}`, functionName: context.functionName };
}
