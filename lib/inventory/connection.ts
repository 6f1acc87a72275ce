import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { describeRenderProblem, isTemplate, parseTemplate, renderTemplate } from '../template/template.js';
import { mergeVariables, type Variables } from '../template/variables.js';
import { OctoiError, type Diagnostic } from '../diagnostics.js';
import type { BecomeOptions } from '../ssh/become.js';
import type { ConnectionRefusal, InventoryConnection, SshOption } from '../ssh/types.js';
import type { Inventory } from './inventory.js';
import { shlexSplit, ShlexError } from '../source/shlex.js';
import { revealed, VaultError } from '../source/vault.js';

/**
 * What a host's inventory variables say about reaching it, read as Ansible's ssh connection plugin
 * reads them. Of two names for one setting the later wins (`ansible_ssh_port` over `ansible_port`).
 * A relative `ansible_ssh_private_key_file` is relative to the current directory, as Ansible hands it
 * to ssh unchanged; `~` is the home directory.
 */
export interface ConnectionOptions {
  /** Where relative key paths start; default the current directory. */
  cwd?: string;
  home?: string;
  /**
   * Values of connection variables below every inventory variable (ansible.cfg's `remote_user`
   * as `ansible_user`, ...): the inventory's own win, as in Ansible.
   */
  defaults?: Readonly<Record<string, unknown>>;
}

const aliases = {
  host: ['ansible_host', 'ansible_ssh_host'],
  port: ['ansible_port', 'ansible_ssh_port'],
  user: ['ansible_user', 'ansible_ssh_user'],
  identityFile: ['ansible_private_key_file', 'ansible_ssh_private_key_file'],
  become: ['ansible_become'],
  becomeUser: ['ansible_become_user'],
  becomePasswordEnv: ['octoi_become_password_env'],
  sshArgs: ['ansible_ssh_args'],
  connection: ['ansible_connection'],
} as const;

/** Connection variables whose `{{ }}` is rendered with the host's variables before use. */
const templatedVariables = new Set([
  ...Object.values(aliases).flat(),
  'ansible_ssh_common_args', 'ansible_ssh_extra_args', 'ansible_become_method',
]);

/** Ansible's names of connection plugins that speak SSH, which octoi does itself. */
const sshConnectionTypes = new Set(['ssh', 'paramiko', 'paramiko_ssh', 'smart'].flatMap((name) => [name, `ansible.builtin.${name}`, `ansible.legacy.${name}`]));
const localConnectionTypes = new Set(['local', 'ansible.builtin.local', 'ansible.legacy.local']);

/** Ansible's names for an SSH login password written into the inventory, which octoi never uses. */
const loginPasswords = ['ansible_password', 'ansible_ssh_pass', 'ansible_ssh_password'];

/** Ansible's names for a become password written into the inventory, which octoi refuses to read. */
const clearPasswords = ['ansible_become_password', 'ansible_become_pass', 'ansible_sudo_password', 'ansible_sudo_pass'];

/** ssh's own flags and the ssh_config option each sets (with its argument, or a fixed value). */
const flagsWithArgument: Record<string, string> = {
  b: 'BindAddress', B: 'BindInterface', c: 'Ciphers', D: 'DynamicForward', e: 'EscapeChar', i: 'IdentityFile',
  I: 'PKCS11Provider', J: 'ProxyJump', l: 'User', L: 'LocalForward', m: 'MACs', p: 'Port', R: 'RemoteForward',
  S: 'ControlPath', w: 'TunnelDevice',
};
const flagsWithoutArgument: Record<string, SshOption> = {
  '4': { key: 'AddressFamily', value: 'inet' }, '6': { key: 'AddressFamily', value: 'inet6' },
  A: { key: 'ForwardAgent', value: 'yes' }, a: { key: 'ForwardAgent', value: 'no' },
  C: { key: 'Compression', value: 'yes' }, g: { key: 'GatewayPorts', value: 'yes' },
  k: { key: 'GSSAPIDelegateCredentials', value: 'no' }, M: { key: 'ControlMaster', value: 'yes' },
  q: { key: 'LogLevel', value: 'QUIET' }, v: { key: 'LogLevel', value: 'VERBOSE' },
  T: { key: 'RequestTTY', value: 'no' }, t: { key: 'RequestTTY', value: 'yes' },
  x: { key: 'ForwardX11', value: 'no' }, X: { key: 'ForwardX11', value: 'yes' },
};

const booleanTrue = new Set(['y', 'yes', 'on', '1', 'true', 't']);
const booleanFalse = new Set(['n', 'no', 'off', '0', 'false', 'f']);

export function inventoryConnection(inventory: Inventory, host: string, options: ConnectionOptions = {}): InventoryConnection {
  const hostVars = inventory.hostVars(host);
  const problems: Diagnostic[] = [];
  const problem = (field: string, message: string, hint: string): void => {
    problems.push({ severity: 'error', message, hint, field, host });
  };
  const vars = renderConnectionVariables(mergeVariables(options.defaults, hostVars), mergeVariables(hostVars, inventory.magicVars(host)), problem);
  const setting = (names: readonly string[]): { name: string; value: unknown } | null => {
    const name = names.filter((candidate) => vars.get(candidate) !== undefined && vars.get(candidate) !== null).at(-1);
    if (name === undefined) return null;
    try {
      return { name, value: revealed(name, vars.get(name)) };
    } catch (error) {
      if (!(error instanceof VaultError)) throw error;
      problem(name, error.message, error.hint);
      return null;
    }
  };
  const text = (names: readonly string[]): string | undefined => {
    const found = setting(names);
    if (!found) return undefined;
    if (typeof found.value === 'string' || typeof found.value === 'number') return String(found.value);
    problem(found.name, `${found.name} must be a string, not ${JSON.stringify(found.value)}`, `set ${found.name} to a quoted string`);
    return undefined;
  };

  const connection: InventoryConnection = { name: host, options: [] };
  const address = text(aliases.host);
  if (address !== undefined) connection.host = address;
  const user = text(aliases.user);
  if (user !== undefined) connection.user = user;
  const becomeUser = text(aliases.becomeUser);
  if (becomeUser !== undefined) connection.becomeUser = becomeUser;
  const becomePasswordEnv = text(aliases.becomePasswordEnv);
  if (becomePasswordEnv !== undefined) connection.becomePasswordEnv = becomePasswordEnv;

  const port = setting(aliases.port);
  if (port) {
    const value = typeof port.value === 'string' && /^\s*\d+\s*$/.test(port.value) ? Number(port.value) : port.value;
    if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535) connection.port = value;
    else problem(port.name, `${port.name} must be a port number from 1 to 65535, not ${JSON.stringify(port.value)}`, `set ${port.name} to a number such as 22`);
  }

  const keyFile = text(aliases.identityFile);
  if (keyFile !== undefined) connection.identityFile = resolvePath(keyFile, options);

  const become = setting(aliases.become);
  if (become) {
    const value = typeof become.value === 'string' ? become.value.toLowerCase() : become.value;
    if (value === true || value === 1 || (typeof value === 'string' && booleanTrue.has(value))) connection.become = true;
    else if (value === false || value === 0 || (typeof value === 'string' && booleanFalse.has(value))) connection.become = false;
    else problem(become.name, `${become.name} must be a boolean, not ${JSON.stringify(become.value)}`, `set ${become.name} to true or false`);
  }
  const method = text(['ansible_become_method']);
  if (connection.become && method !== undefined && method !== 'sudo') {
    problem('ansible_become_method', `become method "${method}" is not supported: octoi becomes root with sudo only`, 'remove ansible_become_method or set it to sudo');
  }
  const clearPassword = clearPasswords.find((name) => vars.get(name) !== undefined && vars.get(name) !== null);
  if (connection.become && clearPassword !== undefined) {
    problem(clearPassword, `octoi does not read the sudo password from ${clearPassword}: an inventory is no place for it`,
      'put the password in an environment variable and name it with octoi_become_password_env: VARIABLE');
  }

  // ssh reads its command line in order, the first value of an option winning: ssh_args come first.
  for (const name of ['ansible_ssh_args', 'ansible_ssh_common_args', 'ansible_ssh_extra_args']) {
    const args = text([name]);
    if (args === undefined) continue;
    try {
      const parsed = sshArgs(shlexSplit(args));
      connection.options.push(...parsed.options);
      if (parsed.configFile !== undefined) connection.configFile = resolvePath(parsed.configFile, options);
    } catch (error) {
      if (!(error instanceof ShlexError || error instanceof SshArgsError)) throw error;
      problem(name, `cannot read ${name}: ${error.message}`, 'write ssh options as -o Key=Value (also -F FILE, -J HOST, -p PORT, -l USER, -i FILE)');
    }
  }
  if (problems.length > 0) throw new OctoiError('invalid-input', problems);
  const refusal = refusalOf(text(aliases.connection), setting(loginPasswords)?.name);
  return refusal === undefined ? connection : { ...connection, refusal };
}

/**
 * Why octoi will not reach a host the inventory describes, if it will not: a connection type that
 * is not SSH, or a login password (octoi logs in with keys only).
 */
function refusalOf(type: string | undefined, passwordVariable: string | undefined): ConnectionRefusal | undefined {
  if (type !== undefined && localConnectionTypes.has(type)) {
    return {
      field: 'ansible_connection',
      message: `ansible_connection is ${type}: octoi converges hosts over SSH and does not provision the machine it runs on`,
      hint: 'reach the controller over SSH like any host (remove ansible_connection, set ansible_host: 127.0.0.1), or leave it out of the play',
    };
  }
  if (type !== undefined && !sshConnectionTypes.has(type)) {
    return {
      field: 'ansible_connection',
      message: `ansible_connection is ${type}: octoi reaches hosts over SSH only`,
      hint: 'remove ansible_connection (or set it to ssh) for hosts that run sshd, or leave this host out of the play',
    };
  }
  if (passwordVariable !== undefined) {
    return {
      field: passwordVariable,
      message: `${passwordVariable} is set: octoi does not log in with passwords`,
      hint: 'log in with a key: name it with ansible_ssh_private_key_file (or IdentityFile in ssh_config), or load it into an ssh-agent (SSH_AUTH_SOCK); then remove the password from the inventory',
    };
  }
  return undefined;
}

/**
 * Ansible templates connection variables before use (`ansible_host: "{{ site_ip }}"`); here with
 * the host's variables and magic variables, never literally. An undefined variable is a problem
 * naming the host and the variable.
 */
function renderConnectionVariables(values: Variables, scope: Variables, problem: (field: string, message: string, hint: string) => void): Variables {
  const rendered = new Map(values);
  for (const [name, value] of values) {
    if (!templatedVariables.has(name) || typeof value !== 'string' || !isTemplate(value)) continue;
    const parsed = parseTemplate(value);
    if (parsed.problem) {
      problem(name, `${name}: ${parsed.problem.message}`, parsed.problem.hint);
      rendered.delete(name);
      continue;
    }
    const result = renderTemplate(parsed.template, scope);
    if (result.problem) {
      const [message, hint] = describeRenderProblem(result.problem, `define it for this host (host or group vars, group_vars/, host_vars/), or give ${name} a value without {{ }}`);
      problem(name, `${name}: ${message}`, hint);
      rendered.delete(name);
    } else {
      rendered.set(name, result.text);
    }
  }
  return rendered;
}

/**
 * How commands run on the host: through sudo when the inventory says become, with the password
 * from the environment variable that octoi_become_password_env names (never from the inventory).
 */
export function becomeOptions(connection: InventoryConnection, env: NodeJS.ProcessEnv): BecomeOptions | undefined {
  if (!connection.become) return undefined;
  const become: BecomeOptions = connection.becomeUser === undefined ? {} : { user: connection.becomeUser };
  const variable = connection.becomePasswordEnv;
  if (variable === undefined) return become;
  const password = env[variable];
  if (password === undefined) {
    throw OctoiError.single('invalid-input', {
      host: connection.name,
      field: 'octoi_become_password_env',
      message: `the environment variable ${variable}, which octoi_become_password_env names for the sudo password, is not set`,
      hint: `set ${variable} in the environment of octoi, or remove octoi_become_password_env if sudo needs no password there`,
    });
  }
  return { ...become, password };
}

function resolvePath(path: string, options: ConnectionOptions): string {
  const home = options.home ?? homedir();
  const expanded = path === '~' ? home : path.startsWith('~/') ? home + path.slice(1) : path;
  return resolve(options.cwd ?? process.cwd(), expanded);
}

class SshArgsError extends Error {}

export interface SshArgs {
  /** ssh_config options, in order. */
  options: SshOption[];
  /** `-F FILE`: the last one wins, as in ssh. */
  configFile?: string;
}

/** ssh command-line arguments (already split into words) as ssh_config options and a config file. */
export function sshArgs(words: readonly string[]): SshArgs {
  const result: SshOption[] = [];
  let configFile: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (!word.startsWith('-') || word.length < 2) throw new SshArgsError(`unexpected argument "${word}"`);
    for (let j = 1; j < word.length; j++) {
      const flag = word[j] as string;
      if (flag === 'o' || flag === 'F' || flag in flagsWithArgument) {
        const argument = j + 1 < word.length ? word.slice(j + 1) : words[++i];
        if (argument === undefined) throw new SshArgsError(`-${flag} needs an argument`);
        if (flag === 'F') configFile = argument;
        else result.push(flag === 'o' ? configLine(argument) : { key: flagsWithArgument[flag] as string, value: argument });
        break;
      }
      const option = flagsWithoutArgument[flag];
      if (!option) throw new SshArgsError(`the ssh flag -${flag} is not supported`);
      result.push({ ...option });
    }
  }
  return { options: result, ...(configFile === undefined ? {} : { configFile }) };
}

/** One ssh_config line given to -o: `Key=Value`, `Key Value` or `Key = "Value"`. */
function configLine(line: string): SshOption {
  const match = /^\s*([^\s=]+)\s*(?:=\s*|\s+)(.*?)\s*$/.exec(line);
  if (!match || match[2] === '') throw new SshArgsError(`"-o ${line}" is not Key=Value`);
  const value = match[2] as string;
  const unquoted = value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  return { key: match[1] as string, value: unquoted };
}
