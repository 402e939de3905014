/**
 * Module resolution of a Lambda execution environment, inside the child process: a function sees
 * only its own code (LAMBDA_TASK_ROOT), its layers and the runtime's AWS SDK, as on AWS, never the
 * project's node_modules that happen to sit above `cdk.out/asset.*`. Without this, a bundle that
 * forgot a dependency passes here and fails on AWS.
 *
 * - CommonJS: lookup paths stop at the root the requiring file lives in, then NODE_PATH (layers,
 *   runtime SDK), as AWS sets it; Node's own `Cannot find module 'x'\nRequire stack:` error follows.
 * - ES modules: a resolve hook (module.registerHooks, in-thread) refuses a package found outside the
 *   allowed roots and looks in the NODE_PATH roots instead (AWS's Node.js resolves ESM through
 *   NODE_PATH too), failing with Node's `Cannot find package 'x' imported from ...`.
 *
 * - Package scope: a `.js` file whose root holds no package.json above it is CommonJS, as in /var/task,
 *   even when the project's own package.json (outside the root) says `"type": "module"`.
 *
 * Loaded by child.ts (plain Node with type stripping): only erasable TypeScript, only node: imports.
 */

import { existsSync, readFileSync, realpathSync } from 'node:fs';
import Module, { builtinModules, registerHooks } from 'node:module';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface ModuleRoots {
  /** The function's code folder (LAMBDA_TASK_ROOT). */
  readonly taskRoot: string;
  /** `node_modules` folders searched after the function's own, in order (layers, then the runtime SDK). */
  readonly searchPath: readonly string[];
  /** Appended to a not-found error for one of these package prefixes (e.g. `@aws-sdk/`). */
  readonly missingHint?: { readonly prefix: string; readonly text: string };
}

// memoized: every module resolution and load asks (files do not move while an environment lives)
const realPaths = new Map<string, string>();
const real = (path: string): string => {
  let found = realPaths.get(path);
  if (found === undefined) {
    try {
      found = realpathSync(path);
    } catch {
      found = path;
    }
    realPaths.set(path, found);
  }
  return found;
};

export function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The package name of a bare specifier (`@scope/name/sub` -> `@scope/name`), or undefined. */
export function bareName(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.includes(':')) return undefined;
  if (builtinModules.includes(specifier) || builtinModules.includes(specifier.split('/')[0] ?? ''))
    return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

export function isolateModules(roots: ModuleRoots): void {
  const allowed = [roots.taskRoot, ...roots.searchPath].map(real);
  const rootOf = (path: string) => allowed.find((root) => inside(root, path));

  // CommonJS: Node asks _nodeModulePaths for the node_modules folders above a module; keep the
  // ones inside the module's own root. Module.globalPaths (HOME, the Node prefix) are dropped.
  const internals = Module as unknown as {
    _nodeModulePaths(from: string): string[];
    globalPaths: string[];
    _extensions: Record<string, (module: unknown, filename: string) => void>;
  };
  const original = internals._nodeModulePaths.bind(Module);
  internals._nodeModulePaths = (from: string) => {
    const root = rootOf(real(from));
    return root ? original(from).filter((path) => inside(root, path)) : [];
  };
  internals.globalPaths.splice(0, internals.globalPaths.length, ...roots.searchPath);

  const hint = (name: string) =>
    roots.missingHint && name.startsWith(roots.missingHint.prefix) ? `\n${roots.missingHint.text}` : '';

  /** Whether a package.json lies between the file's folder and its root (inclusive): Node's scope is right then. */
  const scopes = new Map<string, boolean>();
  const scopedWithin = (file: string, root: string): boolean => {
    const start = dirname(file);
    const known = scopes.get(start);
    if (known !== undefined) return known;
    let scoped = false;
    for (let dir = start; inside(root, dir); dir = dirname(dir)) {
      if (existsSync(join(dir, 'package.json'))) {
        scoped = true;
        break;
      }
      if (dir === root) break;
    }
    scopes.set(start, scoped);
    return scoped;
  };

  const outOfScope = (file: string): boolean => {
    const root = rootOf(real(file));
    return root !== undefined && !scopedWithin(real(file), root);
  };
  // the CommonJS loader reads the package scope itself (the load hook's format does not reach it)
  const loadJs = internals._extensions['.js'] as (module: unknown, filename: string) => void;
  internals._extensions['.js'] = function (this: unknown, module: unknown, filename: string) {
    if (!outOfScope(filename)) return loadJs.call(this, module, filename);
    const compile = (module as { _compile(source: string, file: string, format: string): void })._compile;
    return compile.call(module, readFileSync(filename, 'utf8'), filename, 'commonjs');
  };

  registerHooks({
    load(url, context, nextLoad) {
      const result = nextLoad(url, context);
      if (result.format !== 'module' || !url.startsWith('file:') || !url.endsWith('.js')) return result;
      return outOfScope(fileURLToPath(url)) ? { ...result, format: 'commonjs' } : result;
    },
    resolve(specifier, context, nextResolve) {
      const name = bareName(specifier);
      // require() goes through the CommonJS paths above; only ESM imports of packages are checked here
      if (name === undefined || !context.conditions?.includes('import')) {
        try {
          return nextResolve(specifier, context);
        } catch (err) {
          if (name !== undefined && (err as { code?: string }).code === 'MODULE_NOT_FOUND')
            (err as Error).message += hint(name);
          throw err;
        }
      }
      const tryFrom = (parentURL: string | undefined) => {
        try {
          const found = nextResolve(specifier, { ...context, parentURL });
          if (!found.url.startsWith('file:')) return found;
          return rootOf(real(fileURLToPath(found.url))) ? found : undefined;
        } catch {
          return undefined;
        }
      };
      const parentPath = context.parentURL?.startsWith('file:')
        ? fileURLToPath(context.parentURL)
        : undefined;
      const fromParent = parentPath && rootOf(real(parentPath)) ? tryFrom(context.parentURL) : undefined;
      const found =
        fromParent ??
        roots.searchPath
          .map((folder) => tryFrom(pathToFileURL(join(folder, `${sep}index.js`)).href))
          .find((result) => result !== undefined);
      if (found) return found;
      const error = new Error(
        `Cannot find package '${name}' imported from ${parentPath ?? context.parentURL}${hint(name)}`,
      ) as Error & { code: string };
      error.code = 'ERR_MODULE_NOT_FOUND';
      throw error;
    },
  });
}
