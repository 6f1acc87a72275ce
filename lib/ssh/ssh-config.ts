/**
 * Resolves how to reach a host the way OpenSSH's client does (`ssh -G`): command-line options
 * first (Ansible passes inventory variables as such), then the config file; the first value
 * obtained for a keyword wins, IdentityFile accumulates.
 */
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { OctoiError, type Diagnostic, type SourcePosition } from '../diagnostics.js';
import { ConfigSyntaxError, parseConfigLine, splitArguments, type ConfigLine } from './config-lines.js';
import { expandGlob } from './glob.js';
import { matchPatternList } from './patterns.js';
import type { InventoryConnection, SshTarget, StrictHostKeyChecking } from './types.js';

export interface ResolveOptions {
  /** `-F FILE`; `null` reads no config file; default `~/.ssh/config` (and the system file) when present. */
  configFile?: string | null;
  /** Read after the user file when `configFile` is not given. Default /etc/ssh/ssh_config. */
  systemConfigFile?: string;
  /** Default: the account's home folder, as OpenSSH takes it (not $HOME). */
  homeDir?: string;
  /** Default: the account's name. */
  localUser?: string;
}

const DEFAULT_IDENTITY_FILES = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_xmss', 'id_dsa'];
const DEFAULT_GLOBAL_KNOWN_HOSTS = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
const MAX_INCLUDE_DEPTH = 16;
const MAX_JUMP_DEPTH = 8;

/** The keywords octoi uses; OpenSSH's other keywords are read and ignored. */
const USED_KEYWORDS = new Set([
  'hostname', 'user', 'port', 'identityfile', 'identitiesonly', 'proxyjump', 'proxycommand',
  'userknownhostsfile', 'globalknownhostsfile', 'stricthostkeychecking', 'hostkeyalias', 'connecttimeout',
]);

interface Context {
  /** The host as given (Ansible: ansible_host, else the inventory name). */
  hostArg: string;
  home: string;
  localUser: string;
  inventoryName: string;
  diagnostics: Diagnostic[];
}

/** First value per keyword, and all IdentityFile lines, in the order OpenSSH obtains them. */
class Settings {
  readonly values = new Map<string, ConfigLine>();
  readonly identityFiles: ConfigLine[] = [];

  apply(line: ConfigLine): void {
    if (!USED_KEYWORDS.has(line.keyword)) return;
    if (line.keyword === 'identityfile') this.identityFiles.push(line);
    else if (!this.values.has(line.keyword)) this.values.set(line.keyword, line);
  }

  first(keyword: string): string | undefined {
    return this.values.get(keyword)?.args[0];
  }
}

type DiagnosticSink = Pick<Context, 'diagnostics' | 'inventoryName'>;

function fail(context: DiagnosticSink, message: string, position: SourcePosition | undefined, hint?: string): void {
  context.diagnostics.push({
    severity: 'error',
    message,
    host: context.inventoryName,
    ...(position ? { position } : {}),
    ...(hint ? { hint } : {}),
  });
}

function expandTilde(path: string, context: Context, position?: SourcePosition): string {
  if (path === '~') return context.home;
  if (path.startsWith('~/')) return join(context.home, path.slice(2));
  if (path.startsWith('~')) fail(context, `"${path}": ~user paths are not supported`, position, 'write the full path');
  return path;
}

/** Percent tokens; `allowed` lists the ones valid for the keyword, as in ssh_config(5). */
function expandTokens(value: string, tokens: Record<string, string>, context: Context, position?: SourcePosition): string {
  return value.replace(/%(.)/g, (whole, token: string) => {
    if (token === '%') return '%';
    if (token in tokens) return tokens[token];
    fail(context, `unsupported token %${token} in "${value}"`, position, 'supported: %% %d %h %n %p %r %u %i %k');
    return whole;
  });
}

function readLines(file: string, context: Context, position?: SourcePosition): ConfigLine[] | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    fail(context, `cannot read ssh config ${file}: ${(error as Error).message}`, position);
    return null;
  }
  const lines: ConfigLine[] = [];
  text.split('\n').forEach((raw, index) => {
    const column = raw.length - raw.trimStart().length + 1;
    const where = { file, line: index + 1, column };
    try {
      const line = parseConfigLine(raw, where);
      if (line) lines.push(line);
    } catch (error) {
      if (!(error instanceof ConfigSyntaxError)) throw error;
      fail(context, error.message, where);
    }
  });
  return lines;
}

function evaluateMatch(line: ConfigLine, settings: Settings, context: Context): boolean {
  const args = [...line.args];
  let result = true;
  if (args.length === 0) fail(context, 'Match needs criteria', line.position);
  while (args.length > 0) {
    let criterion = args.shift()!.toLowerCase();
    const negate = criterion.startsWith('!');
    if (negate) criterion = criterion.slice(1);
    if (criterion === 'all') {
      if (negate) result = false;
      continue;
    }
    const value = args.shift();
    if (value === undefined) {
      fail(context, `Match ${criterion} needs a value`, line.position);
      return false;
    }
    const patterns = value.split(',');
    let matched: boolean;
    switch (criterion) {
      case 'host': {
        // Match host sees the HostName set so far, OpenSSH's readconf.c does the same
        const hostName = settings.first('hostname');
        const host = hostName !== undefined ? hostName.replaceAll('%h', context.hostArg) : context.hostArg;
        matched = matchPatternList(host, patterns);
        break;
      }
      case 'originalhost':
        matched = matchPatternList(context.hostArg, patterns);
        break;
      case 'user':
        matched = matchPatternList(settings.first('user') ?? context.localUser, patterns);
        break;
      case 'localuser':
        matched = matchPatternList(context.localUser, patterns);
        break;
      default:
        fail(context, `Match ${criterion} is not supported by octoi`, line.position,
          'use Host, or Match host/originalhost/user/localuser/all');
        return false;
    }
    if (matched === negate) result = false;
  }
  return result;
}

function includePaths(line: ConfigLine, context: Context): string[] {
  return line.args.flatMap((arg) => {
    const expanded = expandTilde(arg, context, line.position);
    const path = isAbsolute(expanded) ? expanded : join(context.home, '.ssh', expanded);
    return expandGlob(path);
  });
}

/**
 * Applies one config file. `active` is whether the lines before the first Host/Match apply;
 * an Include inside an inactive block can never match (SSHCONF_NEVERMATCH in OpenSSH).
 */
function applyFile(file: string, settings: Settings, context: Context, depth: number, neverMatch: boolean, position?: SourcePosition): void {
  const lines = readLines(file, context, position);
  if (lines === null) return;
  let active = !neverMatch;
  for (const line of lines) {
    if (line.keyword === 'host') {
      active = !neverMatch && matchPatternList(context.hostArg, line.args);
    } else if (line.keyword === 'match') {
      active = evaluateMatch(line, settings, context) && !neverMatch;
    } else if (line.keyword === 'include') {
      if (depth >= MAX_INCLUDE_DEPTH) {
        fail(context, 'Include nests too deeply (a loop?)', line.position);
        continue;
      }
      for (const included of includePaths(line, context)) {
        applyFile(included, settings, context, depth + 1, !active, line.position);
      }
    } else if (active) {
      settings.apply(line);
    }
  }
}

/** How Ansible calls ssh: ansible_port, ansible_ssh_private_key_file and ansible_user as -o, then the extra args. */
function commandLineOptions(connection: InventoryConnection): ConfigLine[] {
  const lines: ConfigLine[] = [];
  if (connection.port !== undefined) lines.push({ keyword: 'port', args: [String(connection.port)] });
  if (connection.identityFile !== undefined) lines.push({ keyword: 'identityfile', args: [connection.identityFile] });
  if (connection.user !== undefined) lines.push({ keyword: 'user', args: [connection.user] });
  for (const option of connection.options) {
    lines.push({ keyword: option.key.toLowerCase(), args: splitArguments(option.value) });
  }
  return lines;
}

function parseStrict(value: string | undefined, context: Context, position?: SourcePosition): StrictHostKeyChecking {
  switch (value?.toLowerCase()) {
    case undefined:
    case 'yes':
    case 'true':
    case 'ask': // octoi never prompts: asking means refusing
      return 'yes';
    case 'accept-new':
      return 'accept-new';
    case 'no':
    case 'off':
    case 'false':
      return 'no';
    default:
      fail(context, `StrictHostKeyChecking "${value}" is not valid`, position, 'use yes, accept-new or no');
      return 'yes';
  }
}

function parsePort(value: string, context: Context, position?: SourcePosition): number {
  const port = /^\d+$/.test(value) ? Number(value) : NaN;
  if (port >= 1 && port <= 65535) return port;
  fail(context, `port "${value}" is not a number from 1 to 65535`, position);
  return 22;
}

interface JumpSpec {
  /** `[user@]host[:port]`, IPv6 in brackets: how OpenSSH prints a hop. */
  name: string;
  user?: string;
  host: string;
  port?: string;
}

/** `[user@]host[:port]`, `[user@][v6]:port` or `ssh://[user@]host[:port][/]`. */
function parseJump(written: string): JumpSpec | null {
  const match = /^(?:ssh:\/\/)?(?:([^@/]+)@)?(\[[^\]]+\]|[^:@/[\]]+)(?::(\d+))?\/?$/.exec(written);
  if (!match) return null;
  const [, user, rawHost, port] = match;
  const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
  const name = `${user ? `${user}@` : ''}${host.includes(':') ? `[${host}]` : host}${port ? `:${port}` : ''}`;
  return { name, host, ...(user ? { user } : {}), ...(port ? { port } : {}) };
}

interface Resolution {
  settings: Settings;
  context: Context;
}

function resolveSettings(hostArg: string, commandLine: ConfigLine[], base: Omit<Context, 'hostArg'>, files: string[]): Resolution {
  const context: Context = { ...base, hostArg };
  const settings = new Settings();
  commandLine.forEach((line) => settings.apply(line));
  for (const file of files) applyFile(file, settings, context, 0, false);
  return { settings, context };
}

function buildTarget(name: string, { settings, context }: Resolution): SshTarget {
  const line = (keyword: string) => settings.values.get(keyword);
  const hostnameLine = line('hostname');
  const hostname = (hostnameLine
    ? expandTokens(hostnameLine.args[0] ?? '', { h: context.hostArg }, context, hostnameLine.position)
    : context.hostArg).toLowerCase();
  const portLine = line('port');
  const port = portLine ? parsePort(portLine.args[0] ?? '', context, portLine.position) : 22;
  const user = settings.first('user') ?? context.localUser;
  const hostKeyAlias = settings.first('hostkeyalias');
  const tokens = {
    d: context.home, h: hostname, n: context.hostArg, p: String(port), r: user, u: context.localUser,
    i: String(userInfo().uid), k: hostKeyAlias ?? hostname,
  };
  const path = (value: string, position?: SourcePosition) =>
    expandTilde(expandTokens(value, tokens, context, position), context, position);
  const paths = (keyword: string, defaults: string[]) => {
    const found = line(keyword);
    if (!found) return defaults;
    return found.args.filter((arg) => arg.toLowerCase() !== 'none').map((arg) => path(arg, found.position));
  };
  const identityLines = settings.identityFiles.filter((found) => found.args[0]?.toLowerCase() !== 'none');
  const identityFiles = settings.identityFiles.length > 0
    ? identityLines.map((found) => path(found.args[0] ?? '', found.position))
    : DEFAULT_IDENTITY_FILES.map((file) => join(context.home, '.ssh', file));
  const strictLine = line('stricthostkeychecking');
  const proxyCommand = line('proxycommand');
  if (proxyCommand && proxyCommand.args[0]?.toLowerCase() !== 'none' && !line('proxyjump')) {
    fail(context, 'ProxyCommand is not supported by octoi', proxyCommand.position, 'use ProxyJump');
  }
  const timeout = settings.first('connecttimeout');
  const connectTimeoutSeconds = timeout !== undefined && /^\d+$/.test(timeout) && Number(timeout) > 0 ? Number(timeout) : undefined;
  return {
    name,
    hostname,
    port,
    user,
    identityFiles,
    identitiesOnly: settings.first('identitiesonly')?.toLowerCase() === 'yes',
    knownHostsFiles: paths('userknownhostsfile', [join(context.home, '.ssh', 'known_hosts'), join(context.home, '.ssh', 'known_hosts2')]),
    globalKnownHostsFiles: paths('globalknownhostsfile', DEFAULT_GLOBAL_KNOWN_HOSTS),
    strictHostKeyChecking: parseStrict(strictLine?.args[0], context, strictLine?.position),
    ...(hostKeyAlias ? { hostKeyAlias } : {}),
    proxyJump: [],
    ...(connectTimeoutSeconds ? { connectTimeoutSeconds } : {}),
  };
}

/**
 * The hops before a target. As OpenSSH runs `ssh -J J1 -W host:port J2` for `ProxyJump J1,J2`,
 * only the first hop's own ProxyJump applies; the later ones are reached through the chain.
 */
function resolveJumps(value: ConfigLine | undefined, base: Omit<Context, 'hostArg'>, files: string[], depth: number): SshTarget[] {
  if (!value || value.args[0] === undefined || value.args[0].toLowerCase() === 'none') return [];
  if (depth >= MAX_JUMP_DEPTH) {
    fail(base, 'ProxyJump chains too deeply (a loop?)', value.position);
    return [];
  }
  const hops: SshTarget[] = [];
  value.args[0].split(',').forEach((written, index) => {
    const spec = parseJump(written);
    if (!spec) {
      fail(base, `ProxyJump hop "${written}" is not [user@]host[:port]`, value.position);
      return;
    }
    const commandLine: ConfigLine[] = [
      ...(spec.port ? [{ keyword: 'port', args: [spec.port] }] : []),
      ...(spec.user ? [{ keyword: 'user', args: [spec.user] }] : []),
    ];
    const resolution = resolveSettings(spec.host, commandLine, base, files);
    if (index === 0) hops.push(...resolveJumps(resolution.settings.values.get('proxyjump'), base, files, depth + 1));
    hops.push(buildTarget(spec.name, resolution));
  });
  return hops;
}

function configFiles(options: ResolveOptions, home: string, sink: DiagnosticSink): string[] {
  if (options.configFile === null) return [];
  if (options.configFile !== undefined) {
    if (existsSync(options.configFile)) return [options.configFile];
    fail(sink, `ssh config file ${options.configFile} does not exist`, undefined);
    return [];
  }
  const candidates = [join(home, '.ssh', 'config'), options.systemConfigFile ?? '/etc/ssh/ssh_config'];
  return candidates.filter((file) => existsSync(file));
}

export async function resolveSshTarget(connection: InventoryConnection, options: ResolveOptions = {}): Promise<SshTarget> {
  const account = userInfo();
  const base: Omit<Context, 'hostArg'> = {
    home: options.homeDir ?? account.homedir,
    localUser: options.localUser ?? account.username,
    inventoryName: connection.name,
    diagnostics: [],
  };
  const files = configFiles(options, base.home, base);
  const resolution = resolveSettings(connection.host ?? connection.name, commandLineOptions(connection), base, files);
  const target = buildTarget(connection.name, resolution);
  target.proxyJump = resolveJumps(resolution.settings.values.get('proxyjump'), base, files, 0);
  if (base.diagnostics.length > 0) throw new OctoiError('invalid-input', base.diagnostics);
  return target;
}
