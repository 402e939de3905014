import { fileURLToPath } from 'node:url';

/** Repository root and the folders the stacks read from; resolved from this file, not the cwd. */
export const repoRoot = fileURLToPath(new URL('../', import.meta.url));
export const handlersDir = fileURLToPath(new URL('../handlers/', import.meta.url));
export const nodeModulesDir = fileURLToPath(new URL('../node_modules/', import.meta.url));
