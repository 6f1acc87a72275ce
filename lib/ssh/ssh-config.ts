/**
 * Resolves how to reach a host the way OpenSSH's client does (`ssh -G`): command-line options
 * first (Ansible passes inventory variables as such), then the config files; the first value
 * obtained for a keyword wins, IdentityFile accumulates. With CanonicalizeHostname or a
 * `Match final`, the files are read a second time for the final host name, as ssh.c does.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { hostname as localHostName, userInfo } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { OctoiError, type Diagnostic, type SourcePosition } from '../diagnostics.js';
import { canonicalizeHost, type CanonicalizeSettings } from './canonicalize.js';
import { SshConfigCache } from './config-files.js';
import { isKnownKeyword } from './config-keywords.js';
import { splitArguments, type ConfigLine } from './config-lines.js';
import {
  argumentProblem, parseCanonicalizeHostname, parseFlag, parseJump, parsePort, parseStrictHostKeyChecking, parseTime,
} from './config-values.js';
import { ExpansionError, expandPercentDollar, expandTilde } from './expand.js';
import { matchPatternList } from './patterns.js';
import type { InventoryConnection, SshTarget } from './types.js';

export { SshConfigCache } from './config-files.js';

export interface ResolveOptions {
  /** `-F FILE`; `null` reads no config file; default `~/.ssh/config` (and the system file) when present. */
  configFile?: string | null | undefined;
  /** Read after the user file when `configFile` is not given. Default /etc/ssh/ssh_config. */
  systemConfigFile?: string;
  /** Default: the account's home folder, as OpenSSH takes it (not $HOME). */
  homeDir?: string;
  /** Default: the account's name. */
  localUser?: string;
  /** Where `${VAR}` in IdentityFile, CertificateFile and UserKnownHostsFile comes from. Default: process.env. */
  environment?: Readonly<Record<string, string | undefined>>;
  /** Files parsed once for every host of a run; default: a cache for this one call. */
  cache?: SshConfigCache;
}

const DEFAULT_IDENTITY_FILES = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_xmss', 'id_dsa'];
const DEFAULT_GLOBAL_KNOWN_HOSTS = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
/** Where relative Include paths of the system file point (SSHDIR). */
const SYSTEM_CONFIG_DIR = '/etc/ssh';
const MAX_INCLUDE_DEPTH = 16;
const MAX_JUMP_DEPTH = 8;

/** The keywords octoi uses; OpenSSH's other keywords are checked and ignored. */
const USED_KEYWORDS = new Set([
  'hostname', 'user', 'port', 'identityfile', 'identitiesonly', 'certificatefile', 'proxyjump', 'proxycommand',
  'userknownhostsfile', 'globalknownhostsfile', 'stricthostkeychecking', 'hostkeyalias', 'connecttimeout',
  'canonicalizehostname', 'canonicaldomains', 'canonicalizemaxdots', 'canonicalizefallbacklocal',
  'canonicalizepermittedcnames', 'ignoreunknown',
]);

interface ConfigSource {
  path: string;
  /** SSHCONF_USERCONF: `~` allowed in Include, relative Include paths under ~/.ssh. */
  userConfig: boolean;
  /** SSHCONF_CHECKPERM: ~/.ssh/config and every included file. */
  checkPermissions: boolean;
}

/** What one resolution (a host and its jump hops) shares. */
interface Context {
  home: string;
  localUser: string;
  uid: number;
  thisHost: string;
  environment: Readonly<Record<string, string | undefined>>;
  sources: ConfigSource[];
  cache: SshConfigCache;
  inventoryName: string;
  diagnostics: Diagnostic[];
  /** Problems already reported: a file is read once per pass and per hop, its errors said once. */
  reported: Set<string>;
}

/** One reading of the config files (readconf.c's host, original_host and SSHCONF_FINAL). */
interface Pass {
  /** The host as given (Ansible: ansible_host, else the inventory name). */
  hostArg: string;
  /** What Host lines match: the host as given, in the final pass the canonical name. */
  host: string;
  final: boolean;
  /** A `Match final` was seen: read the files again. */
  wantFinal: boolean;
}

/** A line that passed the argument checks, which every keyword octoi reads needs one for. */
interface SettingLine extends ConfigLine {
  args: [string, ...string[]];
}

const hasArgument = (line: ConfigLine): line is SettingLine => line.args.length > 0;

/** First value per keyword, and all IdentityFile/CertificateFile lines, in the order OpenSSH obtains them. */
class Settings {
  readonly values = new Map<string, SettingLine>();
  readonly identityFiles: SettingLine[] = [];
  readonly certificateFiles: SettingLine[] = [];
  private readonly seenFiles = new Set<string>();

  apply(line: ConfigLine, userProvided: boolean): void {
    if (!hasArgument(line)) throw new Error(`ssh_config keyword ${line.keyword} without an argument was not rejected by the argument checks`);
    switch (line.keyword) {
      case 'identityfile':
      case 'certificatefile': {
        // add_identity_file: the same name from the same kind of source is kept once
        const key = `${line.keyword} ${userProvided} ${line.args[0]}`;
        if (this.seenFiles.has(key)) return;
        this.seenFiles.add(key);
        (line.keyword === 'identityfile' ? this.identityFiles : this.certificateFiles).push(line);
        return;
      }
      case 'proxycommand':
        // whichever of ProxyCommand and ProxyJump comes first wins; ProxyJump none does not block
        if (this.jumpHops() === undefined) this.setFirst(line);
        return;
      case 'proxyjump':
        if (!this.values.has('proxycommand')) this.setFirst(line);
        return;
      default:
        if (USED_KEYWORDS.has(line.keyword)) this.setFirst(line);
    }
  }

  private setFirst(line: SettingLine): void {
    if (!this.values.has(line.keyword)) this.values.set(line.keyword, line);
  }

  first(keyword: string): string | undefined {
    return this.values.get(keyword)?.args[0];
  }

  /** The ProxyJump line when it names hops (not `none`). */
  jumpHops(): SettingLine | undefined {
    const jump = this.values.get('proxyjump');
    return jump && jump.args[0].toLowerCase() !== 'none' ? jump : undefined;
  }

  /** A ProxyCommand other than `none` that no ProxyJump overrides. */
  proxyCommand(): SettingLine | undefined {
    const command = this.values.get('proxycommand');
    const none = command?.args.length === 1 && command.args[0].toLowerCase() === 'none';
    return command && !none && !this.jumpHops() ? command : undefined;
  }

  canonicalization(): CanonicalizeSettings {
    const cnames = this.values.get('canonicalizepermittedcnames');
    return {
      mode: parseCanonicalizeHostname(this.first('canonicalizehostname') ?? 'no')!,
      domains: this.values.get('canonicaldomains')?.args ?? [],
      maxDots: Number(this.first('canonicalizemaxdots') ?? 1),
      fallbackLocal: parseFlag(this.first('canonicalizefallbacklocal') ?? 'yes')!,
      permittedCnames: cnames !== undefined && cnames.args[0].toLowerCase() !== 'none',
      // ssh.c's "direct": even ProxyJump none counts as a proxy here
      direct: this.proxyCommand() === undefined && !this.values.has('proxyjump'),
    };
  }
}

function fail(context: Context, message: string, position: SourcePosition | undefined, hint?: string): void {
  context.diagnostics.push({
    severity: 'error',
    message,
    host: context.inventoryName,
    ...(position ? { position } : {}),
    ...(hint ? { hint } : {}),
  });
}

/** Reports a problem once per resolution, however many passes and hops read its line. */
function failOnce(context: Context, message: string, position: SourcePosition | undefined, hint?: string): void {
  const key = `${position ? `${position.file}:${position.line}` : 'command-line'} ${message}`;
  if (context.reported.has(key)) return;
  context.reported.add(key);
  fail(context, message, position, hint);
}

function expanding<T>(context: Context, position: SourcePosition | undefined, expand: () => T, fallback: T): T {
  try {
    return expand();
  } catch (error) {
    if (!(error instanceof ExpansionError)) throw error;
    failOnce(context, error.message, position, error.hint);
    return fallback;
  }
}

const matchHost = (host: string, patterns: string[]) =>
  matchPatternList(host.toLowerCase(), patterns.map((pattern) => pattern.toLowerCase()));

/** readconf.c's match_cfg_line: true when the block applies; errors are reported, and do not match. */
function evaluateMatch(line: ConfigLine, settings: Settings, pass: Pass, context: Context): boolean {
  const { args, position } = line;
  let result = true;
  let attributes = 0;
  const words = [...args];
  for (let word = words.shift(); word !== undefined; word = words.shift()) {
    const negate = word.startsWith('!');
    const attribute = (negate ? word.slice(1) : word).toLowerCase();
    if (attribute === 'all') {
      if (attributes > 1 || words.length > 0) {
        failOnce(context, `'${word}' cannot be combined with other Match attributes`, position);
        return false;
      }
      return result && !negate;
    }
    attributes++;
    if (attribute === 'canonical' || attribute === 'final') {
      // both hold only in the final pass; `final` asks for one
      if (attribute === 'final' && !pass.final) pass.wantFinal = true;
      if (pass.final === negate) result = false;
      continue;
    }
    const value = words.shift();
    if (value === undefined) {
      failOnce(context, `Missing Match criteria for ${attribute}`, position);
      return false;
    }
    const patterns = value.split(',');
    let matched: boolean;
    switch (attribute) {
      case 'host':
        matched = matchHost(matchedHostName(settings, pass, context, position), patterns);
        break;
      case 'originalhost':
        matched = matchHost(pass.hostArg, patterns);
        break;
      case 'user':
        matched = matchPatternList(settings.first('user') ?? context.localUser, patterns);
        break;
      case 'localuser':
        matched = matchPatternList(context.localUser, patterns);
        break;
      case 'exec':
        // ssh skips the command once an earlier criterion failed
        if (!result) continue;
        failOnce(context, `Match exec "${value}" would run a local command; octoi does not run local commands`, position,
          'put a Match host/originalhost/user/localuser criterion that fails first for the hosts octoi reaches, or use Host blocks');
        return false;
      default:
        failOnce(context, `Unsupported Match attribute ${attribute}`, position,
          'OpenSSH 9.2 knows all, canonical, final, exec, host, originalhost, user and localuser');
        return false;
    }
    if (matched === negate) result = false;
  }
  if (attributes === 0) failOnce(context, 'One or more attributes required for Match', position);
  return attributes > 0 && result;
}

/** The name `Match host` sees: the HostName so far (%h expanded), in the final pass the canonical name. */
function matchedHostName(settings: Settings, pass: Pass, context: Context, position?: SourcePosition): string {
  const hostName = settings.first('hostname');
  if (pass.final || hostName === undefined) return hostName ?? pass.host;
  return expanding(context, position, () => expandPercentDollar(hostName, { tokens: { h: pass.host } }), hostName);
}

function includePaths(line: ConfigLine, source: ConfigSource, context: Context): string[] {
  return line.args.flatMap((arg) => {
    if (arg.startsWith('~') && !source.userConfig) {
      failOnce(context, `bad include path ${arg}`, line.position, 'the system config cannot Include paths under ~');
      return [];
    }
    const anchored = isAbsolute(arg) || arg.startsWith('~') ? arg : source.userConfig ? `~/.ssh/${arg}` : `${SYSTEM_CONFIG_DIR}/${arg}`;
    const path = expanding(context, line.position, () => expandTilde(anchored, context.home, context.localUser), null);
    return path === null ? [] : context.cache.glob(path);
  });
}

/** ssh refuses a file others could write (SSHCONF_CHECKPERM), as it would hold their settings. */
function permissionsAllowed(owner: number, mode: number, uid: number): boolean {
  return (owner === 0 || owner === uid) && (mode & 0o022) === 0;
}

/**
 * Applies one config file. An Include inside an inactive block is read but can never match
 * (SSHCONF_NEVERMATCH in OpenSSH).
 */
function applyFile(source: ConfigSource, settings: Settings, pass: Pass, context: Context, depth: number, neverMatch: boolean, position?: SourcePosition): void {
  const parsed = context.cache.file(source.path);
  if (parsed instanceof Error) {
    // an included file that went away is skipped, as ssh skips it
    if ((parsed as NodeJS.ErrnoException).code !== 'ENOENT') failOnce(context, `Can't open user config file ${source.path}: ${parsed.message}`, position);
    return;
  }
  for (const problem of parsed.problems) failOnce(context, problem.message, problem.position, problem.hint);
  if (source.checkPermissions && !permissionsAllowed(parsed.owner, parsed.mode, context.uid)) {
    failOnce(context, `Bad owner or permissions on ${source.path}`, position, `chmod go-w ${source.path}, owned by you or root`);
    return;
  }
  let active = !neverMatch;
  for (const line of parsed.lines) {
    if (!isKnownKeyword(line.keyword)) {
      rejectUnknown(line, settings, context);
    } else if (line.keyword === 'host') {
      active = !neverMatch && matchPatternList(pass.host, line.args);
    } else if (line.keyword === 'match') {
      active = evaluateMatch(line, settings, pass, context) && !neverMatch;
    } else if (line.keyword === 'include') {
      if (depth >= MAX_INCLUDE_DEPTH) {
        failOnce(context, 'Too many recursive configuration includes (a loop?)', line.position);
        continue;
      }
      for (const path of includePaths(line, source, context)) {
        applyFile({ path, userConfig: source.userConfig, checkPermissions: true }, settings, pass, context, depth + 1, !active, line.position);
      }
    } else if (active) {
      settings.apply(line, source.userConfig);
    }
  }
}

/** An unknown keyword fails the file unless IgnoreUnknown (obtained so far) names it. */
function rejectUnknown(line: ConfigLine, settings: Settings, context: Context): void {
  const ignored = settings.first('ignoreunknown');
  if (ignored !== undefined && matchPatternList(line.keyword, ignored.toLowerCase().split(','))) return;
  failOnce(context, `Bad configuration option: ${line.keyword}`, line.position,
    'check the spelling against ssh_config(5) of OpenSSH 9.2, or name it in an IgnoreUnknown line before it');
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

interface Resolution {
  settings: Settings;
  hostArg: string;
  /** The host name after HostName and canonicalization, as `ssh -G` prints it. */
  hostname: string;
}

function applyCommandLine(commandLine: ConfigLine[], settings: Settings, context: Context): void {
  for (const line of commandLine) {
    const problem = !isKnownKeyword(line.keyword)
      ? { message: `Bad configuration option: ${line.keyword}`, hint: 'an ssh -o option of the inventory names no ssh_config keyword' }
      : ['host', 'match', 'include'].includes(line.keyword)
        ? { message: `${line.keyword} directive not supported as a command-line option` }
        : argumentProblem(line);
    if (problem) failOnce(context, `command-line option ${line.keyword}: ${problem.message}`, undefined, problem.hint);
    else settings.apply(line, true);
  }
}

function resolveSettings(hostArg: string, commandLine: ConfigLine[], context: Context): Resolution {
  const settings = new Settings();
  applyCommandLine(commandLine, settings, context);
  const pass: Pass = { hostArg, host: hostArg, final: false, wantFinal: false };
  for (const source of context.sources) applyFile(source, settings, pass, context, 0, false);
  const hostnameLine = settings.values.get('hostname');
  const written = hostnameLine
    ? expanding(context, hostnameLine.position, () => expandPercentDollar(hostnameLine.args[0], { tokens: { h: hostArg } }), hostnameLine.args[0])
    : hostArg;
  const canonicalization = settings.canonicalization();
  const hostname = canonicalHostname(written, canonicalization, settings, context);
  if (canonicalization.mode !== 'no' || pass.wantFinal) {
    // the final pass: HostName is now fixed, Host lines and Match host see the canonical name
    settings.values.set('hostname', { keyword: 'hostname', args: [hostname] });
    const final: Pass = { hostArg, host: hostname, final: true, wantFinal: false };
    for (const source of context.sources) applyFile(source, settings, final, context, 0, false);
  }
  return { settings, hostArg, hostname };
}

/** The canonical name, or a refusal where ssh would look the name up in DNS (octoi never does). */
function canonicalHostname(written: string, canonicalization: CanonicalizeSettings, settings: Settings, context: Context): string {
  const result = canonicalizeHost(written, canonicalization);
  if (result.kind === 'name') return result.host;
  if (result.kind === 'not-found') {
    const line = settings.values.get('canonicalizefallbacklocal');
    failOnce(context, `Could not resolve host "${result.host}"`, line?.position,
      'CanonicalizeFallbackLocal no with no CanonicalDomains to try: ssh stops here too');
    return result.host;
  }
  const line = settings.values.get(result.because) ?? settings.values.get('canonicalizehostname');
  failOnce(context, `canonicalizing "${written}" needs a DNS lookup of ${result.name}, and octoi does not resolve names while reading ssh_config`,
    line?.position, 'write the full name in HostName or ansible_host (with more dots than CanonicalizeMaxDots), or set CanonicalizeHostname no for this host');
  return written.toLowerCase();
}

function buildTarget(name: string, { settings, hostArg, hostname }: Resolution, context: Context): SshTarget {
  const line = (keyword: string) => settings.values.get(keyword);
  const port = parsePort(settings.first('port') ?? '22') ?? 22;
  const user = settings.first('user') ?? context.localUser;
  const hostKeyAlias = settings.first('hostkeyalias')?.toLowerCase();
  const tokens = {
    C: createHash('sha1').update(`${context.thisHost}${hostname}${port}${user}`).digest('hex'),
    L: context.thisHost.replace(/\..*/s, ''), i: String(context.uid), k: hostKeyAlias ?? hostArg, l: context.thisHost,
    n: hostArg, p: String(port), d: context.home, h: hostname, r: user, u: context.localUser,
  };
  // tilde first, then ${VAR} and %x in one pass, as ssh expands these file names
  const path = (value: string, position?: SourcePosition) => expanding(context, position,
    () => expandPercentDollar(expandTilde(value, context.home, context.localUser), { tokens, environment: context.environment }), value);
  const paths = (keyword: string, defaults: string[]) => {
    const found = line(keyword);
    if (!found) return defaults;
    return found.args.filter((arg) => arg.toLowerCase() !== 'none').map((arg) => path(arg, found.position));
  };
  const identityLines = settings.identityFiles.filter((found) => found.args[0].toLowerCase() !== 'none');
  const identityFiles = settings.identityFiles.length > 0
    ? identityLines.map((found) => path(found.args[0], found.position))
    : DEFAULT_IDENTITY_FILES.map((file) => join(context.home, '.ssh', file));
  // octoi offers no certificates, but a CertificateFile ssh could not expand fails here as in ssh
  for (const found of settings.certificateFiles) path(found.args[0], found.position);
  const proxyCommand = settings.proxyCommand();
  if (proxyCommand) {
    failOnce(context, 'ProxyCommand is not supported by octoi: it would run a local command', proxyCommand.position,
      'use ProxyJump, or ProxyCommand none for this host');
  }
  const timeout = parseTime(settings.first('connecttimeout') ?? 'none')!;
  return {
    name,
    hostname,
    port,
    user,
    identityFiles,
    identitiesOnly: parseFlag(settings.first('identitiesonly') ?? 'no')!,
    knownHostsFiles: paths('userknownhostsfile', [join(context.home, '.ssh', 'known_hosts'), join(context.home, '.ssh', 'known_hosts2')]),
    globalKnownHostsFiles: paths('globalknownhostsfile', DEFAULT_GLOBAL_KNOWN_HOSTS),
    strictHostKeyChecking: parseStrictHostKeyChecking(settings.first('stricthostkeychecking') ?? 'yes')!,
    ...(hostKeyAlias ? { hostKeyAlias } : {}),
    proxyJump: [],
    ...(timeout > 0 ? { connectTimeoutSeconds: timeout } : {}),
  };
}

/**
 * The hops before a target. As OpenSSH runs `ssh -J J1 -W host:port J2` for `ProxyJump J1,J2`,
 * only the first hop's own ProxyJump applies; a later hop is resolved with the hops before it
 * as its `-J` (so its own ProxyJump and ProxyCommand are ignored, as in ssh).
 */
function resolveJumps(value: SettingLine | undefined, context: Context, depth: number): SshTarget[] {
  if (!value) return [];
  if (depth >= MAX_JUMP_DEPTH) {
    failOnce(context, 'ProxyJump chains too deeply (a loop?)', value.position);
    return [];
  }
  const written = value.args[0].split(',');
  return written.flatMap((hop, index) => {
    const spec = parseJump(hop)!;
    const commandLine: ConfigLine[] = [
      ...(spec.port ? [{ keyword: 'port', args: [spec.port] }] : []),
      ...(spec.user ? [{ keyword: 'user', args: [spec.user] }] : []),
      ...(index > 0 ? [{ keyword: 'proxyjump', args: [written.slice(0, index).join(',')] }] : []),
    ];
    const resolution = resolveSettings(spec.host, commandLine, context);
    const before = index === 0 ? resolveJumps(resolution.settings.jumpHops(), context, depth + 1) : [];
    return [...before, buildTarget(spec.name, resolution, context)];
  });
}

function configSources(options: ResolveOptions, home: string, context: Context): ConfigSource[] {
  if (options.configFile === null) return [];
  if (options.configFile !== undefined) {
    if (existsSync(options.configFile)) return [{ path: options.configFile, userConfig: true, checkPermissions: false }];
    fail(context, `ssh config file ${options.configFile} does not exist`, undefined);
    return [];
  }
  const candidates: ConfigSource[] = [
    { path: join(home, '.ssh', 'config'), userConfig: true, checkPermissions: true },
    { path: options.systemConfigFile ?? '/etc/ssh/ssh_config', userConfig: false, checkPermissions: false },
  ];
  return candidates.filter((source) => existsSync(source.path));
}

export async function resolveSshTarget(connection: InventoryConnection, options: ResolveOptions = {}): Promise<SshTarget> {
  const account = userInfo();
  const context: Context = {
    home: options.homeDir ?? account.homedir,
    localUser: options.localUser ?? account.username,
    uid: account.uid,
    thisHost: localHostName(),
    environment: options.environment ?? process.env,
    sources: [],
    cache: options.cache ?? new SshConfigCache(),
    inventoryName: connection.name,
    diagnostics: [],
    reported: new Set(),
  };
  context.sources = configSources(options, context.home, context);
  const resolution = resolveSettings(connection.host ?? connection.name, commandLineOptions(connection), context);
  const target = buildTarget(connection.name, resolution, context);
  target.proxyJump = resolveJumps(resolution.settings.jumpHops(), context, 0);
  if (context.diagnostics.length > 0) throw new OctoiError('invalid-input', context.diagnostics);
  return target;
}
