import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { packageRoot } from '../paths.js';

type Main = (argv: string[]) => Promise<number>;

/** The command line bundled into one CommonJS file by the build (`scripts/bundle-cli.mjs`). */
export const BUNDLE_PATH = join(packageRoot(), 'dist', 'octoi.cjs');
const CODE_CACHE_PATH = `${BUNDLE_PATH}.cache`;

/**
 * Compiled as Node compiles a CommonJS module, but with V8's code cache when given one: Node 20
 * has no compile cache of its own, and compiling the bundle was a fifth of the start-up.
 */
function compileBundle(cachedData?: Buffer): { main: Main; script: Script } {
  const source = readFileSync(BUNDLE_PATH, 'utf8');
  // The wrapper stays on the first line so that stack traces keep the bundle's line numbers.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: BUNDLE_PATH, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as { main?: Main } };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(BUNDLE_PATH), module, BUNDLE_PATH, dirname(BUNDLE_PATH));
  if (!module.exports.main) throw new Error(`octoi: ${BUNDLE_PATH} exports no main: run \`npm run build\``);
  return { main: module.exports.main, script };
}

/** The command line's entry point; a cache V8 rejects (another Node version) only costs the compile. */
export function loadBundledCli(): Main {
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(CODE_CACHE_PATH);
  } catch {
    // no cache written: compiled from source
  }
  return compileBundle(cachedData).main;
}

/**
 * Written by the build after a warm-up run (`warmUp` calls the entry point): the cache then holds
 * the functions a run compiles, not only the modules' top levels.
 */
export async function writeCodeCache(warmUp: (main: Main) => Promise<unknown>): Promise<string> {
  const { main, script } = compileBundle();
  await warmUp(main);
  writeFileSync(CODE_CACHE_PATH, script.createCachedData());
  return CODE_CACHE_PATH;
}
