/**
 * OpenSSH's expansions of file names in ssh_config: `~` (tilde_expand_filename), then `${VAR}`
 * and `%x` in one left-to-right pass (misc.c's vdollar_percent_expand), so a variable's value is
 * never expanded again. Written out rather than taken from a library because the exact order
 * and error cases decide which file ssh opens.
 */
import { join } from 'node:path';

export class ExpansionError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
  }
}

/** `~` and `~/…` are the account's home folder (not $HOME); `~user` only for the account itself. */
export function expandTilde(path: string, home: string, localUser: string): string {
  if (!path.startsWith('~')) return path;
  const slash = path.indexOf('/');
  const user = path.slice(1, slash < 0 ? undefined : slash);
  if (user !== '' && user !== localUser) {
    throw new ExpansionError(`"${path}": ~${user} is another account's home folder, which octoi does not look up`, 'write the full path');
  }
  return slash < 0 ? home : join(home, path.slice(slash + 1));
}

interface ExpandOptions {
  /** The tokens valid here, by letter; `%%` is always a percent sign. */
  tokens: Readonly<Record<string, string>>;
  /** `${VAR}` from this environment; undefined: no dollar expansion (as for HostName). */
  environment?: Readonly<Record<string, string | undefined>>;
}

export function expandPercentDollar(text: string, { tokens, environment }: ExpandOptions): string {
  let result = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (environment && char === '$' && text[i + 1] === '{') {
      const end = text.indexOf('}', i + 2);
      if (end < 0) throw new ExpansionError(`environment variable '${text.slice(i + 2)}' missing closing '}' in "${text}"`);
      const name = text.slice(i + 2, end);
      if (name === '') throw new ExpansionError(`zero-length environment variable in "${text}"`);
      const value = environment[name];
      if (value === undefined) {
        throw new ExpansionError(`env var \${${name}} has no value in "${text}"`, `set ${name} in the environment octoi runs in, or write the path without it`);
      }
      result += value;
      i = end;
    } else if (char !== '%') {
      result += char;
    } else if (text[i + 1] === '%') {
      result += '%';
      i++;
    } else if (i + 1 >= text.length) {
      throw new ExpansionError(`"${text}" ends with a lone %`, 'write %% for a percent sign');
    } else {
      const token = text.charAt(++i);
      const value = tokens[token];
      if (value === undefined) {
        throw new ExpansionError(`unknown key %${token} in "${text}"`, `valid here: ${Object.keys(tokens).map((key) => `%${key}`).join(' ')} %%`);
      }
      result += value;
    }
  }
  return result;
}
