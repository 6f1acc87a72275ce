/**
 * The argument rules of the ssh_config keywords octoi reads, as readconf.c checks them: on every
 * line of every file read, whether or not its block applies to the host, so a bad value fails
 * the file as it fails `ssh`.
 */
import type { ConfigLine } from './config-lines.js';
import type { StrictHostKeyChecking } from './types.js';

export interface ArgumentProblem {
  message: string;
  hint?: string;
}

/** a2port: 1 to 65535. */
export function parsePort(value: string): number | undefined {
  const port = /^\d+$/.test(value) ? Number(value) : NaN;
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** ssh's yes/no flags. */
export function parseFlag(value: string): boolean | undefined {
  return ({ yes: true, true: true, no: false, false: false } as Record<string, boolean>)[value.toLowerCase()];
}

/** octoi never prompts, so `ask` means refusing an unknown key, as `yes` does. */
export function parseStrictHostKeyChecking(value: string): StrictHostKeyChecking | undefined {
  return ({ yes: 'yes', true: 'yes', ask: 'yes', 'accept-new': 'accept-new', no: 'no', off: 'no', false: 'no' } as
    Record<string, StrictHostKeyChecking>)[value.toLowerCase()];
}

export function parseCanonicalizeHostname(value: string): 'yes' | 'no' | 'always' | undefined {
  return ({ yes: 'yes', true: 'yes', no: 'no', false: 'no', always: 'always' } as Record<string, 'yes' | 'no' | 'always'>)[value.toLowerCase()];
}

/** convtime: seconds, or a sequence like `1m30s` (s m h d w); `none` is no timeout (-1). */
export function parseTime(value: string): number | undefined {
  if (value === 'none') return -1;
  if (!/^(\d+[smhdwSMHDW]?)+$/.test(value)) return undefined;
  const unit: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let seconds = 0;
  for (const [, count, suffix = ''] of value.matchAll(/(\d+)([smhdwSMHDW]?)/g)) {
    const multiplier = unit[suffix.toLowerCase()];
    if (multiplier === undefined) return undefined;
    seconds += Number(count) * multiplier;
  }
  return seconds <= 2 ** 31 - 1 ? seconds : undefined;
}

interface JumpSpec {
  /** `[user@]host[:port]`, IPv6 in brackets: how OpenSSH prints a hop. */
  name: string;
  user?: string;
  host: string;
  port?: string;
}

/** `[user@]host[:port]`, `[user@][v6]:port` or `ssh://[user@]host[:port][/]`. */
export function parseJump(written: string): JumpSpec | null {
  const [, user, rawHost, port] = /^(?:ssh:\/\/)?(?:([^@/]+)@)?(\[[^\]]+\]|[^:@/[\]]+)(?::(\d+))?\/?$/.exec(written) ?? [];
  if (rawHost === undefined) return null;
  const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
  const name = `${user ? `${user}@` : ''}${host.includes(':') ? `[${host}]` : host}${port ? `:${port}` : ''}`;
  return { name, host, ...(user ? { user } : {}), ...(port ? { port } : {}) };
}

/** Keywords that take exactly one argument; more is "extra arguments at end of line". */
const SINGLE = new Set([
  'hostname', 'user', 'port', 'identityfile', 'identityfile2', 'identitiesonly', 'certificatefile', 'stricthostkeychecking',
  'hostkeyalias', 'connecttimeout', 'canonicalizehostname', 'canonicalizemaxdots', 'canonicalizefallbacklocal',
  'ignoreunknown', 'proxyjump',
]);

const unsupported = (line: ConfigLine, hint: string): ArgumentProblem => ({ message: `${line.keyword}: unsupported option "${line.args[0]}"`, hint });

/** readconf.c's "none must appear alone" rule of list keywords. */
function noneAlone(line: ConfigLine): ArgumentProblem | undefined {
  if (line.args.length > 1 && line.args.some((arg) => arg.toLowerCase() === 'none')) {
    return { message: `keyword ${line.keyword} "none" argument must appear alone` };
  }
  return undefined;
}

/** The first problem with a line's arguments, or undefined when ssh would accept it. */
export function argumentProblem(line: ConfigLine): ArgumentProblem | undefined {
  const [value] = line.args;
  if (value === undefined) return { message: `no argument after keyword "${line.keyword}"` };
  if (line.args.includes('')) return { message: `keyword ${line.keyword}: empty argument` };
  if (SINGLE.has(line.keyword) && line.args.length > 1) {
    return { message: `keyword ${line.keyword} extra arguments at end of line`, hint: 'quote a value that holds spaces' };
  }
  switch (line.keyword) {
    case 'port':
      return parsePort(value) === undefined ? { message: `Bad port '${value}'`, hint: 'a port is a number from 1 to 65535' } : undefined;
    case 'stricthostkeychecking':
      return parseStrictHostKeyChecking(value) === undefined ? unsupported(line, 'use yes, accept-new or no') : undefined;
    case 'identitiesonly':
    case 'canonicalizefallbacklocal':
      return parseFlag(value) === undefined ? unsupported(line, 'use yes or no') : undefined;
    case 'canonicalizehostname':
      return parseCanonicalizeHostname(value) === undefined ? unsupported(line, 'use yes, no or always') : undefined;
    case 'connecttimeout':
      return parseTime(value) === undefined ? { message: `invalid time value "${value}"`, hint: 'seconds, or a time like 1m30s' } : undefined;
    case 'canonicalizemaxdots':
      return /^-?\d+$/.test(value) ? undefined : { message: `integer value invalid: "${value}"` };
    case 'canonicaldomains':
      return noneAlone(line) ?? domainProblem(line.args);
    case 'canonicalizepermittedcnames':
      return noneAlone(line) ?? cnameProblem(line.args);
    case 'userknownhostsfile':
    case 'globalknownhostsfile':
      return noneAlone(line);
    case 'proxyjump':
      return value.toLowerCase() === 'none' || value.split(',').every((hop) => parseJump(hop) !== null)
        ? undefined
        : { message: `Invalid ProxyJump "${value}"`, hint: 'hops are [user@]host[:port], separated by commas' };
    default:
      return undefined;
  }
}

/** valid_domain (misc.c): letters, digits, `-` and `.`, starting with a letter or digit, no `..`. */
function domainProblem(domains: readonly string[]): ArgumentProblem | undefined {
  const bad = domains.find((domain) => domain.toLowerCase() !== 'none' && (!/^[a-zA-Z0-9][a-zA-Z0-9.-]*$/.test(domain) || domain.includes('..')));
  return bad === undefined ? undefined : { message: `domain name "${bad}" is not valid`, hint: 'CanonicalDomains takes domain suffixes like example.com' };
}

function cnameProblem(rules: readonly string[]): ArgumentProblem | undefined {
  const bad = rules.find((rule) => rule.toLowerCase() !== 'none' && rule !== '*' && !/^[^:]+:.+$/.test(rule));
  return bad === undefined ? undefined : { message: `Invalid permitted CNAME "${bad}"`, hint: 'write SOURCE_DOMAINS:TARGET_DOMAINS, e.g. *.a.example.com:*.b.example.com' };
}
