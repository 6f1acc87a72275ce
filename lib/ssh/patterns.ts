/** OpenSSH's glob: `*` any run of characters, `?` exactly one; everything else literal. */
function matchPattern(text: string, pattern: string): boolean {
  // most patterns are plain names (a known_hosts file of a fleet): no expression to build
  if (!pattern.includes('*') && !pattern.includes('?')) return text === pattern;
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
  return new RegExp(`^${source}$`, 's').test(text);
}

/**
 * OpenSSH's pattern list (`Host` lines, known_hosts host fields, `Match host`): matches when
 * some positive pattern matches and no `!`-negated one does. Callers lowercase host names.
 */
export function matchPatternList(text: string, patterns: readonly string[]): boolean {
  let positive = false;
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) {
      if (matchPattern(text, pattern.slice(1))) return false;
    } else if (matchPattern(text, pattern)) {
      positive = true;
    }
  }
  return positive;
}
