/**
 * Python's `shlex.split(text, comments)` in POSIX mode, which Ansible uses for INI host lines and for
 * `ansible_ssh_*_args`: quotes group words, a backslash escapes the next character (inside double
 * quotes only `"` and `\`), and with `comments` a `#` outside quotes ends the line, even mid-word.
 */
export class ShlexError extends Error {}

const whitespace = new Set([' ', '\t', '\r', '\n']);

export function shlexSplit(text: string, options: { comments?: boolean } = {}): string[] {
  const words: string[] = [];
  let word = '';
  // A word exists once it has a character or a pair of quotes, even empty ones.
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (quote === "'") {
      if (char === "'") quote = null;
      else word += char;
    } else if (quote === '"') {
      if (char === '"') quote = null;
      else if (char === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) word += text[++i];
      else word += char;
    } else if (whitespace.has(char) || (options.comments && char === '#')) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      if (char === '#') {
        const lineEnd = text.indexOf('\n', i);
        i = lineEnd < 0 ? text.length : lineEnd;
      }
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (char === '\\') {
      if (i + 1 >= text.length) throw new ShlexError('No escaped character');
      word += text[++i];
      inWord = true;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote) throw new ShlexError('No closing quotation');
  if (inWord) words.push(word);
  return words;
}
