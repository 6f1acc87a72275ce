/**
 * Python's `fnmatch.translate` (which Ansible's host patterns use, case-sensitively): `*`, `?`,
 * `[seq]`, `[!seq]` with ranges; an unclosed `[` is a literal.
 */
export function fnmatchRegExp(pattern: string): RegExp {
  let source = '';
  let i = 0;
  while (i < pattern.length) {
    const char = pattern[i++] as string;
    if (char === '*') {
      if (!source.endsWith('[\\s\\S]*')) source += '[\\s\\S]*';
    } else if (char === '?') {
      source += '[\\s\\S]';
    } else if (char === '[') {
      let j = i;
      if (pattern[j] === '!') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j++;
      if (j >= pattern.length) {
        source += '\\[';
      } else {
        source += characterClass(pattern.slice(i, j));
        i = j + 1;
      }
    } else {
      source += escapeChar(char);
    }
  }
  return new RegExp(`^(?:${source})$`);
}

function characterClass(content: string): string {
  const negated = content.startsWith('!');
  const body = negated ? content.slice(1) : content;
  let items = '';
  for (let k = 0; k < body.length; k++) {
    const first = body[k] as string;
    const last = body[k + 2];
    if (body[k + 1] === '-' && last !== undefined) {
      // Python drops ranges that run backwards instead of failing.
      if (first <= last) items += `${escapeChar(first)}-${escapeChar(last)}`;
      k += 2;
    } else {
      items += escapeChar(first);
    }
  }
  if (!items) return negated ? '[\\s\\S]' : '(?!)';
  return `[${negated ? '^' : ''}${items}]`;
}

function escapeChar(char: string): string {
  return /[A-Za-z0-9_]/.test(char) ? char : `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
