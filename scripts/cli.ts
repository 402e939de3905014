/** Shared bits of the command-line scripts: progress lines and one-line errors, never a stack trace. */

export function progress(line: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
}

/** Runs a script's main; a failure prints `error: <message>` (the stack only with DEBUG=1) and exits 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`error: ${message}`);
    if (process.env.DEBUG && err instanceof Error) console.error(err.stack);
    process.exit(1);
  });
}
