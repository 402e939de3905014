/** Reads a required environment variable once, at module load, with a message naming it. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(
      `environment variable ${name} is not set (the stack sets it; check the function's configuration)`,
    );
  return value;
}

export function optionalIntEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`environment variable ${name} must be a non-negative integer, got "${raw}"`);
  return value;
}
