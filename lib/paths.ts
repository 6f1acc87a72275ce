import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root folder, whether running from `lib/` sources or compiled `dist/lib/`. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('octoi: cannot find the package root (package.json)');
    dir = parent;
  }
  return dir;
}

/** A file beside the module at `moduleUrl` (its `import.meta.url`): the build copies lib/'s `.sh` files beside their compiled modules. */
export function besideModule(moduleUrl: string, name: string): string {
  return fileURLToPath(new URL(name, moduleUrl));
}
