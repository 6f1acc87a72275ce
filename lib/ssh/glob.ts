import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { matchPattern } from './patterns.js';

const WILDCARD = /[*?]/;

/** Paths matching a glob with `*` and `?` in any segment, sorted, as glob(3) gives them to OpenSSH's Include. */
export function expandGlob(pattern: string): string[] {
  const segments = pattern.split('/');
  let paths = [segments[0] === '' ? '/' : segments[0]];
  for (const segment of segments.slice(1)) {
    if (segment === '') continue;
    if (!WILDCARD.test(segment)) {
      paths = paths.map((path) => join(path, segment));
      continue;
    }
    paths = paths.flatMap((path) => {
      let entries: string[];
      try {
        entries = readdirSync(path);
      } catch {
        return [];
      }
      // like glob(3), a wildcard does not match a leading dot
      return entries
        .filter((entry) => !entry.startsWith('.') && matchPattern(entry, segment))
        .sort()
        .map((entry) => join(path, entry));
    });
  }
  return paths.filter((path) => existsSync(path));
}
