import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, open } from 'node:fs/promises';
import { MAX_YAML_BYTES } from '../source/yaml-source.js';
import type { Diagnostic } from '../diagnostics.js';
import { InventoryData, InventoryRuleError } from './inventory-data.js';

/**
 * Dynamic inventories: an executable that prints the inventory as JSON, run as Ansible's `script`
 * inventory plugin runs it (`SCRIPT --list`; `_meta.hostvars` if present, else `SCRIPT --host HOST`
 * for each host). Unlike Ansible, a script that hangs is stopped after a timeout, and so is one that
 * prints more than an inventory file may hold.
 */
export const SCRIPT_TIMEOUT_MS = 60_000;

/**
 * Ansible runs a file when it is executable or starts with `#!`; running fails, and the file is read as
 * INI or YAML, unless it is both (Python does not hand a file without `#!` to /bin/sh, as execvp would).
 */
export async function isInventoryScript(path: string): Promise<boolean> {
  if (!(await access(path, constants.X_OK).then(() => true, () => false))) return false;
  const file = await open(path, 'r');
  try {
    const start = Buffer.alloc(2);
    const { bytesRead } = await file.read(start, 0, 2, 0);
    return bytesRead === 2 && start.toString('latin1') === '#!';
  } finally {
    await file.close();
  }
}

export async function readInventoryScript(path: string, data: InventoryData, diagnostics: Diagnostic[], timeoutMs = SCRIPT_TIMEOUT_MS): Promise<void> {
  const problem = (message: string, hint: string): void => {
    diagnostics.push({ severity: 'error', message: `inventory script: ${message}`, hint, position: { file: path, line: 1, column: 1 } });
  };
  const list = await runScript(path, ['--list'], timeoutMs);
  if (list.failure) return problem(list.failure, 'run the script with --list yourself to see what it does');
  if (list.code !== 0) return problem(`\`${path} --list\` exited with ${list.code}${stderrPart(list.stderr)}`, 'the script must print the inventory as JSON and exit 0');
  let parsed: unknown;
  try {
    parsed = JSON.parse(list.stdout);
  } catch (error) {
    return problem(`\`${path} --list\` printed no valid JSON: ${(error as Error).message}${stderrPart(list.stderr)}`, 'print one JSON object: {"GROUP": {"hosts": [...], "vars": {...}, "children": [...]}, "_meta": {"hostvars": {...}}}');
  }
  if (!isObject(parsed)) return problem(`\`${path} --list\` must print a JSON object, not ${describe(parsed)}`, 'print {"GROUP": {"hosts": [...]}, ...}');
  const hosts = new Set<string>();
  let metaHostvars: unknown;
  try {
    for (const [group, groupData] of Object.entries(parsed)) {
      if (group === '_meta') {
        if (isObject(groupData) && 'hostvars' in groupData) metaHostvars = groupData['hostvars'];
      } else {
        readGroup(data, group, groupData, hosts);
      }
    }
    if (metaHostvars !== undefined && !isObject(metaHostvars)) throw new InventoryRuleError(`_meta.hostvars must be an object of host names, not ${describe(metaHostvars)}`);
    for (const host of hosts) {
      const vars = metaHostvars === undefined ? await hostVariables(path, host, timeoutMs) : metaHostvars[host] ?? {};
      if (!isObject(vars)) throw new InventoryRuleError(`the variables of host ${host} must be a JSON object, not ${describe(vars)}`);
      for (const [name, value] of Object.entries(vars)) data.setHostVariable(host, name, value);
    }
  } catch (error) {
    if (!(error instanceof InventoryRuleError)) throw error;
    problem(error.message, error.hint ?? 'see the format Ansible documents for inventory scripts');
  }
}

/** Ansible's `_parse_group`, including its shorthands: a list is the hosts; an object without hosts/vars/children is the variables of a host named like the group. */
function readGroup(data: InventoryData, name: string, value: unknown, hosts: Set<string>): void {
  data.addGroup(name);
  const group = !isObject(value) ? { hosts: value } : ['hosts', 'vars', 'children'].some((key) => key in value) ? value : { hosts: [name], vars: value };
  if ('hosts' in group) {
    if (!Array.isArray(group.hosts)) throw new InventoryRuleError(`the group ${name} has ${describe(group.hosts)} for its host list`, 'give "hosts" as a list of host names');
    for (const host of group.hosts) {
      if (typeof host !== 'string') throw new InventoryRuleError(`the group ${name} lists ${describe(host)} as a host`, 'host names are strings');
      hosts.add(host);
      data.addHost(host, name);
    }
  }
  if ('vars' in group) {
    if (!isObject(group.vars)) throw new InventoryRuleError(`the group ${name} has ${describe(group.vars)} for its variables`, 'give "vars" as an object');
    for (const [key, item] of Object.entries(group.vars)) data.setGroupVariable(name, key, item);
  }
  if ('children' in group) {
    if (!Array.isArray(group.children)) throw new InventoryRuleError(`the group ${name} has ${describe(group.children)} for its children`, 'give "children" as a list of group names');
    for (const child of group.children) {
      if (typeof child !== 'string') throw new InventoryRuleError(`the group ${name} lists ${describe(child)} as a child`, 'group names are strings');
      data.addGroup(child);
      data.addChild(name, child);
    }
  }
}

/** `SCRIPT --host HOST`: as in Ansible, empty output is no variables and the exit code is not looked at. */
async function hostVariables(path: string, host: string, timeoutMs: number): Promise<unknown> {
  const result = await runScript(path, ['--host', host], timeoutMs);
  if (result.failure) throw new InventoryRuleError(result.failure);
  if (result.stdout.trim() === '') return {};
  try {
    return JSON.parse(result.stdout);
  } catch (error) {
    throw new InventoryRuleError(`\`${path} --host ${host}\` printed no valid JSON: ${(error as Error).message}${stderrPart(result.stderr)}`, 'print the host\'s variables as one JSON object, or nothing');
  }
}

interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Why the script gave no usable result: it could not start, hung, or printed too much. */
  failure?: string;
}

/** Runs the script in its own process group, so that stopping it stops what it started too. */
function runScript(path: string, args: string[], timeoutMs: number): Promise<ScriptResult> {
  return new Promise((resolve) => {
    const child = spawn(path, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let size = 0;
    let failure: string | undefined;
    const stop = (why: string): void => {
      failure ??= why;
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => stop(`\`${path} ${args.join(' ')}\` did not finish within ${timeoutMs / 1000} s and was stopped`), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_YAML_BYTES) stop(`\`${path} ${args.join(' ')}\` printed more than ${MAX_YAML_BYTES} bytes and was stopped`);
      else stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.reduce((total, part) => total + part.length, 0) < 64 * 1024) stderr.push(chunk);
    });
    const finish = (code: number | null): void => {
      clearTimeout(timer);
      const result: ScriptResult = { code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
      resolve(failure === undefined ? result : { ...result, failure: failure + stderrPart(result.stderr) });
    };
    child.on('error', (error) => {
      failure ??= `cannot run ${path}: ${error.message}`;
      // a script that never started emits no 'close'
      if (child.pid === undefined) finish(null);
    });
    child.on('close', finish);
  });
}

/** The script's own error output, which says what went wrong better than an exit code. */
function stderrPart(stderr: string): string {
  const text = stderr.trim();
  if (text === '') return '';
  const lines = text.split('\n');
  return `; it said: ${lines.slice(-10).join('\n')}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}
