import { realpath } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { packageRoot } from '../paths.js';
import { imageCacheDir, type ImageOptions } from './image.js';

/**
 * What a workstation host borrows from the machine, read-only and at the same paths, to run octoi
 * and a lab of its own: this Node.js, this octoi (built, with its node_modules wherever they really
 * are) and the cached host images, so it needs neither the network nor a build.
 */
export async function workstationBinds(options: ImageOptions): Promise<string[]> {
  const root = await realpath(packageRoot());
  const modules = await realpath(join(root, 'node_modules'));
  const outside = relative(root, modules).startsWith('..');
  return [await realpath(process.execPath), root, ...(outside ? [modules] : []), await realpath(imageCacheDir(options))];
}
