import { readFileSync } from 'node:fs';
import { besideModule } from './paths.js';

/**
 * Quote one word for POSIX `sh`. Every remote command octoi builds goes through this:
 * input is never concatenated into a command unquoted.
 */
export function shellQuote(word: string): string {
  if (word.includes('\0')) throw new Error('a shell word cannot contain a NUL byte');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

export function shellCommand(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}

/** `name=value` lines, each value quoted: how the code of a `.sh` file gets its values, which are never spliced into it. */
export function shellAssignments(values: Readonly<Record<string, string>>): string {
  return Object.entries(values)
    .map(([name, value]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`${JSON.stringify(name)} is not a shell variable name`);
      return `${name}=${shellQuote(value)}\n`;
    })
    .join('');
}

/** The code of the `.sh` file `name` beside the module at `moduleUrl` (its `import.meta.url`). */
export function shellFile(moduleUrl: string, name: string): string {
  return readFileSync(besideModule(moduleUrl, name), 'utf8');
}
