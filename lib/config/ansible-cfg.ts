import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, extname, isAbsolute, join, normalize, resolve } from 'node:path';
import { OctoiError, type Diagnostic } from '../diagnostics.js';
import { iniValue, parseIniConfig, type IniConfig } from './ini-config.js';

/**
 * ansible.cfg, found and read as Ansible finds and reads it (ansible/config/manager.py): the first of
 * ANSIBLE_CONFIG (a file, or a folder holding ansible.cfg), ./ansible.cfg (unless the current folder is
 * writable by everyone), ~/.ansible.cfg, /etc/ansible/ansible.cfg that exists and is readable.
 */
export interface CfgEnvironment {
  env: NodeJS.ProcessEnv;
  cwd: string;
  home: string;
}

export type SettingValue = string | string[] | number | boolean;

interface Setting {
  value: SettingValue;
  /** `FILE:LINE [section] key` */
  origin: string;
}

export interface AnsibleConfig {
  /** The file read, and why that one; null when there is none. */
  file: { path: string; foundBy: string } | null;
  settings: Map<SettingName, Setting>;
  /** Settings of the file that octoi does not use, as `[section] key (line N)`. */
  ignored: string[];
  warnings: Diagnostic[];
}

type SettingType = 'string' | 'path' | 'pathlist' | 'boolean' | 'integer';

/**
 * The settings octoi takes from ansible.cfg; `variable` names the connection variable whose default it
 * is (inventory variables win over it, as over Ansible's config). Where Ansible reads a setting from two
 * places, the later one wins.
 */
const definitions = {
  inventory: { type: 'pathlist', entries: [['defaults', 'inventory']] },
  forks: { type: 'integer', entries: [['defaults', 'forks']] },
  host_key_checking: { type: 'boolean', entries: [['defaults', 'host_key_checking'], ['ssh_connection', 'host_key_checking']] },
  vault_password_file: { type: 'path', entries: [['defaults', 'vault_password_file']] },
  transport: { type: 'string', entries: [['defaults', 'transport']], variable: 'ansible_connection' },
  remote_user: { type: 'string', entries: [['defaults', 'remote_user']], variable: 'ansible_user' },
  remote_port: { type: 'integer', entries: [['defaults', 'remote_port']], variable: 'ansible_port' },
  private_key_file: { type: 'path', entries: [['defaults', 'private_key_file']], variable: 'ansible_private_key_file' },
  ssh_args: { type: 'string', entries: [['ssh_connection', 'ssh_args']], variable: 'ansible_ssh_args' },
  ssh_common_args: { type: 'string', entries: [['ssh_connection', 'ssh_common_args']], variable: 'ansible_ssh_common_args' },
  ssh_extra_args: { type: 'string', entries: [['ssh_connection', 'ssh_extra_args']], variable: 'ansible_ssh_extra_args' },
  become: { type: 'boolean', entries: [['privilege_escalation', 'become']], variable: 'ansible_become' },
  become_user: { type: 'string', entries: [['privilege_escalation', 'become_user']], variable: 'ansible_become_user' },
  become_method: { type: 'string', entries: [['privilege_escalation', 'become_method']], variable: 'ansible_become_method' },
} as const satisfies Record<string, { type: SettingType; entries: readonly (readonly [string, string])[]; variable?: string }>;

export type SettingName = keyof typeof definitions;

export const SETTING_NAMES = Object.keys(definitions) as SettingName[];

function currentEnvironment(): CfgEnvironment {
  return { env: process.env, cwd: process.cwd(), home: homedir() };
}

export function findAnsibleCfg(environment: CfgEnvironment, warnings: Diagnostic[] = []): { path: string; foundBy: string } | null {
  const candidates: { path: string; foundBy: string }[] = [];
  const fromEnv = environment.env['ANSIBLE_CONFIG'];
  if (fromEnv !== undefined) {
    const path = resolvePath(fromEnv, environment.cwd, environment);
    candidates.push({ path: isDirectory(path) ? join(path, 'ansible.cfg') : path, foundBy: 'ANSIBLE_CONFIG' });
  }
  const inCwd = join(environment.cwd, 'ansible.cfg');
  const worldWritable = ((statSync(environment.cwd, { throwIfNoEntry: false })?.mode ?? 0) & 0o002) !== 0;
  if (!worldWritable) candidates.push({ path: inCwd, foundBy: 'the current folder' });
  candidates.push({ path: join(environment.home, '.ansible.cfg'), foundBy: 'the home folder' }, { path: '/etc/ansible/ansible.cfg', foundBy: 'the system folder' });
  const found = candidates.find(({ path }) => isReadable(path)) ?? null;
  if (worldWritable && isReadable(inCwd) && found?.foundBy !== 'ANSIBLE_CONFIG') {
    warnings.push({ severity: 'warning', message: `${inCwd} is ignored: the folder ${environment.cwd} is writable by everyone (as Ansible ignores it)`, hint: 'remove write permission for others from the folder, or name the file with ANSIBLE_CONFIG' });
  }
  return found;
}

/** Finds and reads ansible.cfg; invalid values are errors at FILE:LINE. */
export function loadAnsibleConfig(environment: CfgEnvironment = currentEnvironment()): AnsibleConfig {
  const warnings: Diagnostic[] = [];
  const file = findAnsibleCfg(environment, warnings);
  if (file === null) return { file, settings: new Map(), ignored: [], warnings };
  if (!['.cfg', '.ini'].includes(extname(file.path))) {
    throw OctoiError.single('invalid-input', { message: `the Ansible config ${file.path} (from ${file.foundBy}) must end in .cfg or .ini, as Ansible requires`, hint: 'rename it, or point ANSIBLE_CONFIG at an ansible.cfg' });
  }
  const { config, diagnostics } = parseIniConfig(file.path, readFileSync(file.path, 'utf8'));
  const settings = new Map<SettingName, Setting>();
  for (const name of SETTING_NAMES) {
    const definition = definitions[name];
    for (const [section, key] of definition.entries) {
      const entry = iniValue(config, section, key);
      if (entry === undefined) continue;
      const value = typedValue(definition.type, entry.value, dirname(file.path), environment);
      const origin = `${file.path}:${entry.line} [${section}] ${key}`;
      if (value instanceof Error) diagnostics.push({ severity: 'error', message: `[${section}] ${key}: ${value.message}`, hint: 'see: octoi config', position: { file: file.path, line: entry.line, column: 1 } });
      else settings.set(name, { value, origin });
    }
  }
  if (diagnostics.length > 0) throw new OctoiError('invalid-input', diagnostics);
  const hostKeyChecking = settings.get('host_key_checking');
  if (hostKeyChecking?.value === false) {
    warnings.push({ severity: 'warning', message: `${hostKeyChecking.origin} is False: octoi treats it as --accept-new (keys of new hosts are trusted and recorded; a changed key still fails)`, hint: 'set host_key_checking = True, or record the keys in known_hosts' });
  }
  return { file, settings, ignored: ignoredSettings(config), warnings };
}

/**
 * What ansible.cfg gives the connection variables when the inventory does not set them, as
 * `{ansible_user: remote_user, ...}`; `host_key_checking = False` is accept-new, never "accept anything".
 */
export function connectionDefaults(config: AnsibleConfig): Record<string, unknown> {
  const defaults: Record<string, unknown> = {};
  for (const [name, setting] of config.settings) {
    const variable = (definitions[name] as { variable?: string }).variable;
    if (variable !== undefined) defaults[variable] = setting.value;
  }
  return defaults;
}

function ignoredSettings(config: IniConfig): string[] {
  const used = new Set(Object.values(definitions).flatMap((definition) => definition.entries.map(([section, key]) => `${section}\0${key}`)));
  const ignored: { line: number; text: string }[] = [];
  for (const [section, entries] of [['DEFAULT', config.defaults] as const, ...config.sections]) {
    for (const [key, entry] of entries) {
      if (!used.has(`${section}\0${key}`)) ignored.push({ line: entry.line, text: `[${section}] ${key} (line ${entry.line})` });
    }
  }
  return ignored.sort((a, b) => a.line - b.line).map(({ text }) => text);
}

const booleanTrue = new Set(['y', 'yes', 'on', '1', 'true', 't']);
const booleanFalse = new Set(['n', 'no', 'off', '0', 'false', 'f']);

/** Ansible's `ensure_type`, stricter where Ansible guesses: a boolean that is neither true nor false is an error. */
function typedValue(type: SettingType, text: string, baseDir: string, environment: CfgEnvironment): SettingValue | Error {
  switch (type) {
    case 'string':
      return unquote(text);
    case 'path':
      return resolvePath(text, baseDir, environment);
    case 'pathlist':
      return text.split(',').map((part) => resolvePath(part.trim(), baseDir, environment));
    case 'boolean': {
      const lower = text.toLowerCase();
      if (booleanTrue.has(lower)) return true;
      if (booleanFalse.has(lower)) return false;
      return new Error(`"${text}" is not a boolean`);
    }
    case 'integer':
      return /^\s*[+-]?\d+(?:_\d+)*\s*$/.test(text) ? Number(text.trim().replaceAll('_', '')) : new Error(`"${text}" is not a whole number`);
  }
}

/** Ansible's `unquote`: one pair of matching outer quotes is removed. */
function unquote(text: string): string {
  const quoted = text.length > 1 && text[0] === text.at(-1) && (text[0] === '"' || text[0] === "'") && text.at(-2) !== '\\';
  return quoted ? text.slice(1, -1) : text;
}

/** Ansible's `resolve_path`: `{{CWD}}`, `$VAR`/`${VAR}` (unknown ones stay), `~`, then relative to the config's folder. */
function resolvePath(text: string, baseDir: string, environment: CfgEnvironment): string {
  const withCwd = text.replaceAll('{{CWD}}', environment.cwd);
  const expanded = withCwd.replace(/\$(\w+|\{[^}]*\})/g, (whole, name: string) => environment.env[name.replace(/^\{|\}$/g, '')] ?? whole);
  const home = expanded === '~' || expanded.startsWith('~/') ? environment.home + expanded.slice(1) : expanded;
  return normalize(isAbsolute(home) ? home : resolve(baseDir, home));
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function isReadable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return !isDirectory(path);
  } catch {
    return false;
  }
}
