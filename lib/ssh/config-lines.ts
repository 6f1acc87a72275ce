import type { SourcePosition } from '../diagnostics.js';
import { canonicalKeyword } from './config-keywords.js';

/** One `Keyword args...` line of an OpenSSH config file (or one `-o Key=Value` option). */
export interface ConfigLine {
  /** Lowercased (OpenSSH keywords are case-insensitive), aliases under their main name. */
  keyword: string;
  args: string[];
  position?: SourcePosition;
}

export class ConfigSyntaxError extends Error {}

/** Splits arguments as OpenSSH's argv_split does: whitespace, "quotes", \escapes, a # word ends the line. */
export function splitArguments(text: string): string[] {
  const args: string[] = [];
  let current = '';
  let inWord = false;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const char = text.charAt(i);
    if (quote) {
      if (char === quote) quote = null;
      else if (char === '\\' && (text[i + 1] === quote || text[i + 1] === '\\')) current += text.charAt(++i);
      else current += char;
      continue;
    }
    if (/\s/.test(char)) {
      if (inWord) args.push(current);
      current = '';
      inWord = false;
    } else if (char === '#' && !inWord) {
      break;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (char === '\\' && i + 1 < text.length) {
      current += text.charAt(++i);
      inWord = true;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (quote) throw new ConfigSyntaxError('unterminated quote');
  if (inWord) args.push(current);
  return args;
}

/** `Keyword value`, `Keyword=value` or `Keyword = value`; null for blank lines and comments. */
export function parseConfigLine(text: string, position?: SourcePosition): ConfigLine | null {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return null;
  const [, keyword, value] = /^([^\s=]+)(?:\s*=\s*|\s+|$)(.*)$/.exec(trimmed) ?? [];
  if (keyword === undefined || value === undefined) throw new ConfigSyntaxError(`cannot read "${trimmed}"`);
  return { keyword: canonicalKeyword(keyword.toLowerCase()), args: splitArguments(value), ...(position ? { position } : {}) };
}
