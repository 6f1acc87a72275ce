import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, posix, relative, resolve, sep } from 'node:path';

/** Scripts are read whole into memory and uploaded: this bounds both. */
const MAX_SCRIPT_BYTES = 1024 * 1024;

/** Reads a script `src`, given as a path relative to the playbook's folder. Throws an Error saying why it cannot. */
export type ScriptReader = (src: string) => Promise<string>;

/** Why `src` would leave the playbook's folder, or null when it stays inside. */
export function scriptSrcProblem(src: string): string | null {
  if (isAbsolute(src) || /^[A-Za-z]:/.test(src)) return 'is an absolute path; give it relative to the playbook';
  const normalised = posix.normalize(src.replaceAll('\\', '/'));
  if (normalised === '..' || normalised.startsWith('../')) return "leaves the playbook's folder";
  return null;
}

/** Reads scripts from the tree under `root`, refusing a symbolic link that points out of it. */
export function fileScriptReader(root: string): ScriptReader {
  return async (src) => {
    const wanted = resolve(root, src);
    let real: string;
    let realRoot: string;
    try {
      [real, realRoot] = await Promise.all([realpath(wanted), realpath(root)]);
    } catch (error) {
      throw new Error(describeFsError(error, wanted));
    }
    const inside = relative(realRoot, real);
    if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
      throw new Error(`resolves to ${real}, outside the playbook's folder ${realRoot}`);
    }
    const info = await stat(real);
    if (!info.isFile()) throw new Error(`${wanted} is not a regular file`);
    if (info.size > MAX_SCRIPT_BYTES) throw new Error(`${wanted} is ${info.size} bytes, more than the ${MAX_SCRIPT_BYTES} allowed for a script`);
    return readFile(real, 'utf8');
  };
}

function describeFsError(error: unknown, path: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'file not found';
  return `cannot read ${path}: ${code ?? (error as Error).message}`;
}
