/**
 * The JSONPath subset mapping templates use with `$input.path()` / `$input.json()`: `$`, `.name`,
 * `['name']`, `[index]`, `.*` / `[*]` (then every match, as a list). Pure.
 */
type Step = { readonly key: string } | { readonly index: number } | { readonly wildcard: true };

export function parseJsonPath(path: string): Step[] {
  const text = path.trim();
  if (!text.startsWith('$')) throw new Error(`JSONPath ${JSON.stringify(path)} must start with $`);
  const steps: Step[] = [];
  let i = 1;
  while (i < text.length) {
    const rest = text.slice(i);
    const dotted = /^\.\.?([A-Za-z_$][\w$-]*|\*)/.exec(rest);
    if (dotted) {
      steps.push(dotted[1] === '*' ? { wildcard: true } : { key: dotted[1] as string });
      i += dotted[0].length;
      continue;
    }
    const bracket = /^\[\s*(?:(\d+)|'([^']*)'|"([^"]*)"|(\*))\s*\]/.exec(rest);
    if (bracket) {
      if (bracket[1] !== undefined) steps.push({ index: Number(bracket[1]) });
      else if (bracket[4] !== undefined) steps.push({ wildcard: true });
      else steps.push({ key: (bracket[2] ?? bracket[3]) as string });
      i += bracket[0].length;
      continue;
    }
    throw new Error(`JSONPath ${JSON.stringify(path)}: cannot read ${JSON.stringify(rest)}`);
  }
  return steps;
}

/** The value at `path` in `document`: undefined when nothing matches, a list after a wildcard. */
export function evaluateJsonPath(document: unknown, path: string): unknown {
  let current: unknown[] = [document];
  let many = false;
  for (const step of parseJsonPath(path)) {
    const next: unknown[] = [];
    for (const value of current) {
      if (value === null || typeof value !== 'object') continue;
      if ('wildcard' in step) {
        next.push(...(Array.isArray(value) ? value : Object.values(value)));
        many = true;
      } else if ('index' in step) {
        if (Array.isArray(value) && step.index < value.length) next.push(value[step.index]);
      } else if (!Array.isArray(value) && Object.hasOwn(value, step.key)) {
        next.push((value as Record<string, unknown>)[step.key]);
      }
    }
    current = next;
  }
  if (many) return current;
  return current.length === 0 ? undefined : current[0];
}
