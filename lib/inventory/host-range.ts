import { parseAddress } from './address.js';

/**
 * Inventory host entries as Ansible expands them: `gw[01:20]`, `[a:f]`, `[1:10:2]`, several ranges in
 * one name, and an optional `:PORT` that applies to every host of the entry.
 */
export interface HostEntry {
  hostnames: string[];
  port: number | null;
}

export class HostRangeError extends Error {}

const asciiLetters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

export function expandHostEntry(entry: string): HostEntry {
  const address = parseAddress(entry);
  const pattern = address ? address.host : entry;
  return { hostnames: pattern.includes('[') ? expandHostnameRange(pattern) : [pattern], port: address?.port ?? null };
}

/** Python's `int()` on a range bound: digits with optional sign, underscores between digits, spaces around. */
function pythonInt(text: string): number {
  const trimmed = text.trim();
  if (!/^[+-]?\d+(?:_\d+)*$/.test(trimmed)) throw new HostRangeError(`invalid number in host range: '${text}'`);
  return Number(trimmed.replaceAll('_', ''));
}

export function expandHostnameRange(line: string): string[] {
  const open = line.indexOf('[');
  const close = line.indexOf(']');
  const parts = line.replace('[', '|').replace(']', '|').split('|');
  if (parts.length !== 3 || close < open) {
    throw new HostRangeError(`cannot read the host range in '${line}'`);
  }
  const [head, range, tail] = parts as [string, string, string];
  const bounds = range.split(':');
  if (bounds.length !== 2 && bounds.length !== 3) throw new HostRangeError('host range must be begin:end or begin:end:step');
  const begin = bounds[0] || '0';
  const end = bounds[1] as string;
  const step = bounds.length === 3 ? pythonInt(bounds[2] as string) : 1;
  if (!end) throw new HostRangeError('host range must specify end value');
  if (step === 0) throw new HostRangeError('host range step must not be zero');
  let fill = (value: string | number): string => String(value);
  if (begin.startsWith('0') && begin.length > 1) {
    if (begin.length !== end.length) throw new HostRangeError('host range must specify equal-length begin and end formats');
    fill = (value) => String(value).padStart(begin.length, '0');
  }
  const sequence: (string | number)[] = [];
  // Like Python's str.index, a bound is looked up as a substring of the alphabet.
  const letterBegin = asciiLetters.indexOf(begin);
  const letterEnd = asciiLetters.indexOf(end);
  if (letterBegin >= 0 && letterEnd >= 0) {
    if (letterBegin > letterEnd) throw new HostRangeError('host range must have begin <= end');
    for (let i = letterBegin; step > 0 && i <= letterEnd; i += step) sequence.push(asciiLetters[i] as string);
  } else {
    const first = pythonInt(begin);
    const last = pythonInt(end);
    // Python's range(first, last + 1, step)
    for (let i = first; step > 0 ? i <= last : i > last + 1; i += step) sequence.push(i);
  }
  return sequence.flatMap((item) => {
    const name = `${head}${fill(item)}${tail}`;
    return name.includes('[') ? expandHostnameRange(name) : [name];
  });
}
