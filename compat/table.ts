/** What the runner found for one app (compat/results.json holds a list of these). */
export interface CompatResult {
  app: string;
  uses: string;
  deployed: boolean;
  passed: boolean;
  /** The embedded cloud's up-front refusal (unsupported types, runtimes, integrations), when it refused. */
  refusedWith?: string;
  /** The first failure after deployment, or a synthesis/deployment error that is no refusal. */
  error?: string;
  /** What the exercise checked, when it passed. */
  checks?: string[];
  seconds: number;
}

/** One word for a result. */
export function verdict(result: CompatResult): string {
  if (result.refusedWith) return 'refused';
  if (!result.deployed) return 'not deployed';
  return result.passed ? 'passed' : 'FAILED';
}

/** The results as a fixed-width text table, with the refusals and errors after it. Pure. */
export function formatTable(results: readonly CompatResult[]): string {
  const rows = results.map((r) => [
    r.app,
    r.deployed ? 'yes' : 'no',
    verdict(r),
    `${r.seconds.toFixed(1)} s`,
  ]);
  const header = ['app', 'deployed', 'result', 'time'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  const notes = results.flatMap((r) =>
    r.refusedWith ? [`${r.app}: refused: ${r.refusedWith}`] : r.error ? [`${r.app}: ${r.error}`] : [],
  );
  const passed = results.filter((r) => r.passed).length;
  const deployed = results.filter((r) => r.deployed).length;
  return [
    line(header),
    ...rows.map(line),
    '',
    `${deployed} of ${results.length} deployed, ${passed} of ${results.length} passed`,
    ...(notes.length > 0 ? ['', ...notes] : []),
  ].join('\n');
}
