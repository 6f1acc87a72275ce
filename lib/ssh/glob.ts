import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Paths matching a pattern as glob(3) gives them to OpenSSH's Include (OpenBSD's glob, which
 * OpenSSH builds with): `*`, `?`, `[a-z]`, `[!…]`, `[[:digit:]]` and `\` escapes in any segment; a
 * wildcard never matches a leading dot; the result is sorted by bytes. Written here because
 * OpenSSH's exact order and dot rule decide which settings win. The caller expands `~` and
 * makes the pattern absolute, as readconf.c does before calling glob.
 */
export function expandGlob(absolutePattern: string): string[] {
  let paths = ['/'];
  let magic = false;
  for (const segment of absolutePattern.split('/')) {
    if (segment === '') continue;
    const expression = segmentRegExp(segment);
    if (expression === null) {
      paths = paths.map((path) => join(path, unescape(segment)));
      continue;
    }
    magic = true;
    paths = paths.flatMap((path) => matching(path, segment, expression).map((entry) => join(path, entry)));
  }
  const existing = paths.filter(exists);
  return magic ? existing.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))) : existing;
}

function matching(directory: string, segment: string, expression: RegExp): string[] {
  // the initial dot of a name must be matched by a dot written in the pattern
  return readEntries(directory).filter((entry) => (!entry.startsWith('.') || segment.startsWith('.')) && expression.test(entry));
}

function readEntries(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

const CLASSES: Record<string, string> = {
  alnum: 'a-zA-Z0-9', alpha: 'a-zA-Z', blank: ' \\t', cntrl: '\\x00-\\x1f\\x7f', digit: '0-9',
  graph: '\\x21-\\x7e', lower: 'a-z', print: '\\x20-\\x7e', punct: '!-\\/:-@\\[-`{-~',
  space: ' \\t\\n\\v\\f\\r', upper: 'A-Z', xdigit: '0-9A-Fa-f',
};

const literal = (char: string): string => char.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

function unescape(segment: string): string {
  return segment.replace(/\\(.)/gs, '$1');
}

/** The segment as a regular expression, or null when it has no wildcard (a plain name). */
function segmentRegExp(segment: string): RegExp | null {
  let source = '';
  let magic = false;
  for (let i = 0; i < segment.length; i++) {
    const char = segment.charAt(i);
    if (char === '\\' && i + 1 < segment.length) {
      source += literal(segment.charAt(++i));
    } else if (char === '*') {
      source += '.*';
      magic = true;
    } else if (char === '?') {
      source += '.';
      magic = true;
    } else if (char === '[') {
      const bracket = bracketExpression(segment, i + 1);
      if (bracket === null) {
        source += literal(char);
      } else {
        source += bracket.source;
        i = bracket.end;
        magic = true;
      }
    } else {
      source += literal(char);
    }
  }
  return magic ? new RegExp(`^${source}$`, 's') : null;
}

/** `[…]` starting after the `[`; null when it never closes (then `[` is an ordinary character). */
function bracketExpression(segment: string, start: number): { source: string; end: number } | null {
  let i = start;
  const negate = segment[i] === '!';
  if (negate) i++;
  let members = '';
  let first = true;
  for (; i < segment.length; i++) {
    const char = segment.charAt(i);
    if (char === ']' && !first) return { source: `[${negate ? '^' : ''}${members}]`, end: i };
    first = false;
    const [named, className = ''] = /^\[:([a-z]+):\]/.exec(segment.slice(i)) ?? [];
    const classMembers = CLASSES[className];
    if (named !== undefined && classMembers !== undefined) {
      members += classMembers;
      i += named.length - 1;
    } else if (char === '\\' && i + 1 < segment.length) {
      members += literal(segment.charAt(++i));
    } else if (segment[i + 1] === '-' && i + 2 < segment.length && segment[i + 2] !== ']') {
      members += `${literal(char)}-${literal(segment.charAt(i + 2))}`;
      i += 2;
    } else {
      members += literal(char);
    }
  }
  return null;
}
