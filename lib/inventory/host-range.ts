import { parseAddress } from './address.js';

/**
 * Inventory host entries as Ansible expands them: `gw[01:20]`, `[a:f]`, `[1:10:2]`, several ranges in
 * one name, and an optional `:PORT` that applies to every host of the entry.
 */
interface HostEntry {
  hostnames: string[];
  port: number | null;
}

export class HostRangeError extends Error {}

const asciiLetters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * One entry may name at most this many hosts: the count is worked out before any name is made, so
 * `gw[0:99999999]` is an error rather than gigabytes of names.
 */
export const MAX_HOSTS_PER_ENTRY = 100_000;

export function expandHostEntry(entry: string): HostEntry {
  const address = parseAddress(entry);
  const pattern = address ? address.host : entry;
  return { hostnames: pattern.includes('[') ? expandBounded(pattern) : [pattern], port: address?.port ?? null };
}

function expandBounded(pattern: string): string[] {
  const size = hostRangeSize(pattern);
  if (size > MAX_HOSTS_PER_ENTRY) {
    throw new HostRangeError(`the host range ${pattern} names ${size > Number.MAX_SAFE_INTEGER ? 'more than 2^53' : size} hosts, more than the ${MAX_HOSTS_PER_ENTRY} octoi expands in one entry`);
  }
  // A later empty range empties the whole entry; the earlier ones are not listed for nothing.
  return size === 0 ? [] : expandHostnameRange(pattern);
}

/** Python's `int()` on a range bound: digits with optional sign, underscores between digits, spaces around. */
function pythonInt(text: string): number {
  const trimmed = text.trim();
  if (!/^[+-]?\d+(?:_\d+)*$/.test(trimmed)) throw new HostRangeError(`invalid number in host range: '${text}'`);
  return Number(trimmed.replaceAll('_', ''));
}

/** The first `[...]` of a name: the text around it and the values it stands for, without listing them. */
interface Range {
  head: string;
  tail: string;
  size: number;
  valueAt(index: number): string;
}

function parseRange(line: string): Range {
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
  // Like Python's str.index, a bound is looked up as a substring of the alphabet.
  const letterBegin = asciiLetters.indexOf(begin);
  const letterEnd = asciiLetters.indexOf(end);
  if (letterBegin >= 0 && letterEnd >= 0) {
    if (letterBegin > letterEnd) throw new HostRangeError('host range must have begin <= end');
    const size = step > 0 ? Math.floor((letterEnd - letterBegin) / step) + 1 : 0;
    return { head, tail, size, valueAt: (index) => asciiLetters[letterBegin + index * step] as string };
  }
  const first = pythonInt(begin);
  const stop = pythonInt(end) + 1;
  // The length of Python's range(first, stop, step).
  const size = Math.max(0, step > 0 ? Math.ceil((stop - first) / step) : Math.ceil((first - stop) / -step));
  return { head, tail, size, valueAt: (index) => fill(first + index * step) };
}

/** How many names a pattern with ranges expands to: each range multiplies, and a later range never depends on an earlier value. */
export function hostRangeSize(pattern: string): number {
  let size = 1;
  for (let rest = pattern; rest.includes('[') && size > 0; ) {
    const range = parseRange(rest);
    size *= range.size;
    rest = range.tail;
  }
  return size;
}

function expandHostnameRange(line: string): string[] {
  const range = parseRange(line);
  return Array.from({ length: range.size }, (_, index) => `${range.head}${range.valueAt(index)}${range.tail}`).flatMap((name) =>
    name.includes('[') ? expandHostnameRange(name) : [name],
  );
}
