/**
 * Node flags for the embedded cloud's child processes (function environments, the S3 process):
 * V8's compile cache, and Node's cache of stripped TypeScript, turned on before the child's entry
 * loads, so the entry and everything it imports come from the cache (in the OS temp folder) after
 * the first start. A preloaded module, not NODE_COMPILE_CACHE, so that a function's environment
 * variables stay its own. Node writes the cache at a clean exit only; the children call
 * `flushCompileCache()` once started, because they are often killed (crash injection, timeouts).
 */
export const COMPILE_CACHE_EXEC_ARGV: readonly string[] = [
  '--import',
  'data:text/javascript,import{enableCompileCache}from"node:module";enableCompileCache?.();',
];
