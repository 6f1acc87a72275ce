import { readFileSync, statSync } from 'node:fs';
import { OctoiError } from '../diagnostics.js';
import { parseAddress } from './address.js';
import { fnmatchRegExp } from './fnmatch.js';
import type { Inventory } from './inventory.js';

/**
 * Ansible's host patterns, for a play's `hosts:` and `--limit`: `a:b` or `a,b` (union), `a:&b`
 * (intersection), `a:!b` (exclusion), applied in that order whatever the order written; `*` and `?`
 * wildcards and `~regex` over group and host names; `group[0]`, `group[-1]`, `group[1:3]` slices.
 */

/** Splits a pattern into single patterns, on commas, or else on colons that are not part of an address or range. */
export function splitHostPattern(pattern: string): string[] {
  let parts: string[];
  if (pattern.includes(',')) parts = pattern.split(',');
  else if (parseAddress(pattern)) parts = [pattern];
  else parts = pattern.match(/(?:[^\s:[\]]|\[[^\]]*\])+/g) ?? [];
  return parts.map((part) => part.trim()).filter(Boolean);
}

/**
 * The hosts `pattern` selects, in Ansible's order, narrowed by each `--limit` (a pattern, or `@FILE`
 * with one pattern per line). Throws 'no-hosts-matched' when none is left, 'invalid-input' for a
 * malformed pattern.
 */
export function selectHosts(inventory: Inventory, pattern: string, limit: readonly string[] = []): string[] {
  const patterns = splitHostPattern(pattern);
  if (patterns.length === 0) throw invalid(`the host pattern "${pattern}" is empty`, 'name a group or host, or all');
  const matcher = new PatternMatcher(inventory);
  let hosts = matcher.evaluate(patterns);
  if (limit.length > 0) {
    const allowed = new Set(matcher.evaluate(limit.flatMap(limitPatterns)));
    hosts = hosts.filter((host) => allowed.has(host));
  }
  if (hosts.length === 0) {
    const limited = limit.length > 0 ? ` with --limit ${limit.map((item) => `"${item}"`).join(' ')}` : '';
    throw OctoiError.single('no-hosts-matched', {
      message: `the host pattern "${pattern}"${limited} matched no host of the inventory`,
      hint: `groups in the inventory: ${[...inventory.groups.keys()].sort().join(', ')}`,
    });
  }
  return hosts;
}

function limitPatterns(limit: string): string[] {
  return splitHostPattern(limit).flatMap((part) => (part.startsWith('@') ? readLimitFile(part.slice(1)) : [part]));
}

function readLimitFile(file: string): string[] {
  const info = (() => {
    try {
      return statSync(file);
    } catch {
      throw invalid(`cannot find the limit file ${file}`, 'give --limit @FILE with an existing file of one pattern per line');
    }
  })();
  if (!info.isFile()) throw invalid(`the limit ${file} is not a file`, '--limit @FILE reads one pattern per line from a file');
  return readFileSync(file, 'utf8').split('\n').map((line) => line.trim());
}

function invalid(message: string, hint: string): OctoiError {
  return OctoiError.single('invalid-input', { message, hint });
}

const withSubscript = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)[:-]([0-9]*))\]$/;

class PatternMatcher {
  private readonly cache = new Map<string, string[]>();

  constructor(private readonly inventory: Inventory) {}

  /** Unions first, then intersections (`&`), then exclusions (`!`); only those two means `all` first. */
  evaluate(patterns: readonly string[]): string[] {
    const present = patterns.filter(Boolean);
    const exclusions = present.filter((p) => p.startsWith('!'));
    const intersections = present.filter((p) => p.startsWith('&'));
    const unions = present.filter((p) => !p.startsWith('!') && !p.startsWith('&'));
    let hosts: string[] = [];
    for (const p of [...(unions.length > 0 ? unions : ['all']), ...intersections, ...exclusions]) {
      if (this.inventory.hasHost(p)) {
        hosts.push(p);
        continue;
      }
      const matched = new Set(this.matchOne(p));
      if (p.startsWith('!')) hosts = hosts.filter((host) => !matched.has(host));
      else if (p.startsWith('&')) hosts = hosts.filter((host) => matched.has(host));
      else hosts.push(...matched);
    }
    return [...new Set(hosts)];
  }

  private matchOne(pattern: string): string[] {
    const bare = pattern.startsWith('&') || pattern.startsWith('!') ? pattern.slice(1) : pattern;
    if (!bare) throw invalid(`the pattern "${pattern}" names nothing after ${pattern}`, 'write &GROUP or !GROUP');
    const cached = this.cache.get(bare);
    if (cached) return cached;
    const subscript = bare.startsWith('~') ? null : withSubscript.exec(bare);
    const hosts = this.enumerate(subscript ? (subscript[1] as string) : bare);
    const selected = subscript ? applySubscript(hosts, subscript, bare) : hosts;
    this.cache.set(bare, selected);
    return selected;
  }

  /** Hosts of every matching group (all `all` and `ungrouped` included), then matching hosts for wildcards. */
  private enumerate(pattern: string): string[] {
    const regex = pattern.startsWith('~') ? pythonRegExp(pattern.slice(1)) : fnmatchRegExp(pattern);
    const groups = [...this.inventory.groups.keys()].filter((name) => regex.test(name));
    const results = groups.flatMap((name) => this.inventory.groupHosts(name));
    if (groups.length === 0 || pattern.startsWith('~') || /[.?*[]/.test(pattern)) {
      results.push(...this.inventory.declaredHosts.filter((name) => regex.test(name)));
    }
    return results;
  }
}

function applySubscript(hosts: string[], subscript: RegExpExecArray, pattern: string): string[] {
  if (hosts.length === 0) return hosts;
  const [, , index, start, end] = subscript;
  const first = Number(index ?? start);
  // As in Ansible, `[x:]` runs to the end and `[x:0]` means `[x]`.
  const last = end === undefined ? 0 : end === '' ? hosts.length - 1 : Number(end);
  if (last !== 0) return hosts.slice(first, last + 1);
  const host = hosts.at(first);
  if (host === undefined) {
    throw OctoiError.single('no-hosts-matched', {
      message: `no host matched the subscripted pattern "${pattern}": it has ${hosts.length} host(s)`,
      hint: `use an index from 0 to ${hosts.length - 1}, or -1 for the last`,
    });
  }
  return [host];
}

/** A `~regex` pattern, matched at the start of a name like Python's `re.match`. */
function pythonRegExp(source: string): RegExp {
  const converted = source.replaceAll('(?P<', '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>');
  try {
    return new RegExp(`^(?:${converted})`);
  } catch (error) {
    throw invalid(`invalid regular expression in host pattern "~${source}": ${(error as Error).message}`, 'fix the regular expression after ~, e.g. ~gw0[1-3]');
  }
}
