import { posix } from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import { programPathProblem, unitValueProblem } from '../units/unit-syntax.js';
import { privilegedReason, type DirectiveSection } from './directive-policy.js';
import type { HardeningLevel } from '../units/hardening.js';
import { parseListen } from './listen.js';
import { reservedNameProblem } from './reserved-names.js';
import { scriptSrcProblem, type ScriptReader } from './script-source.js';
import { type EnvironmentVariable, type ServiceSpec, type ServiceUser } from './types.js';
import { CHECK_REGEX_FLAGS, type Directive, type ListenAddress, type ServiceCheck } from '../units/types.js';
import { fieldName } from './validate.js';
import type { YamlPath, YamlSource } from '../source/yaml-source.js';

/** A service as the schema lets it through: types are right, meaning is not checked yet. */
export interface RawService {
  name: string;
  description?: string;
  listen?: RawListen | RawListen[];
  accept?: boolean;
  user?: 'dynamic' | { user: string; group?: string };
  script?: { content?: string; src?: string; path?: string; secret?: boolean };
  exec?: string[];
  environment?: Record<string, string | number>;
  secret?: boolean;
  state?: 'present' | 'absent';
  socket?: RawDirectives;
  service?: RawDirectives;
  adopt?: boolean;
  allow_drop_ins?: string[];
  privileged?: boolean;
  hardening?: HardeningLevel;
  network?: boolean;
  check?: RawCheck;
}

interface RawCheck {
  send?: string;
  expect: string | { regex: string };
  timeout?: number;
}

type RawListen = number | string;
type RawDirectiveValue = string | number | boolean;
type RawDirectives = Record<string, RawDirectiveValue | RawDirectiveValue[]>;

/** Collects diagnostics at positions of one document. */
export class Findings {
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    readonly source: YamlSource,
    private readonly rootName: string,
  ) {}

  add(path: YamlPath, message: string, hint?: string, at: 'key' | 'value' = 'value'): void {
    this.diagnostics.push({
      severity: 'error',
      message,
      ...(hint ? { hint } : {}),
      position: this.source.positionOf(path, at),
      field: fieldName(this.rootName, path),
    });
  }
}

/** Directives octoi writes itself: an extra one with these names would contradict them. */
const MANAGED_DIRECTIVES = ['ListenStream', 'Accept', 'ExecStart', 'StandardInput', 'StandardError', 'DynamicUser', 'User', 'Group'];

export const SCRIPT_ROOTS = ['/opt/', '/usr/local/', '/srv/'];
const SCRIPT_PATH_CHARACTERS = /^[A-Za-z0-9._+@:/ -]+$/;

/** Applies defaults (`playHardening`: the play's level) and checks what the schema cannot; problems go to `findings`. */
export async function buildService(findings: Findings, raw: RawService, path: YamlPath, readScript: ScriptReader, playHardening: HardeningLevel): Promise<ServiceSpec> {
  const at = (...rest: YamlPath): YamlPath => [...path, ...rest];
  const state = raw.state ?? 'present';
  const description = raw.description ?? `${raw.name} socket-activated service`;
  checkUnitValue(findings, at('description'), description);
  const reserved = reservedNameProblem(raw.name);
  if (reserved) findings.add(at('name'), `service name ${JSON.stringify(raw.name)}: ${reserved}`, 'octoi never overrides or removes system units: choose a name of your own, e.g. with a site prefix');
  if (state === 'present' && raw.listen === undefined) findings.add(path, 'missing required key `listen` for a present service', 'add e.g. `listen: 13063`');
  if (state === 'present' && raw.script === undefined && raw.exec === undefined) {
    findings.add(path, 'missing `script` or `exec` for a present service', 'add `script: {content: ...}`, `script: {src: FILE}` or `exec: [/usr/bin/PROGRAM, ARGUMENT...]`');
  }
  if (raw.script !== undefined && raw.exec !== undefined) {
    findings.add(at('exec'), 'a service runs either a `script` or an `exec` program, not both', 'remove one of them', 'key');
  }
  const content = await scriptContent(findings, raw.script, at('script'), readScript);
  const secret = raw.script?.secret ?? false;
  const check = raw.check === undefined ? undefined : serviceCheck(findings, raw.check, state, at('check'));
  return {
    name: raw.name,
    description,
    listen: listenAddresses(findings, raw.listen, at('listen')),
    accept: raw.accept ?? true,
    user: serviceUser(raw.user),
    script: {
      path: scriptPath(findings, raw.script?.path ?? `/opt/${raw.name}/${raw.name}.sh`, at('script', 'path')),
      content,
      secret,
    },
    exec: raw.exec === undefined ? null : execArguments(findings, raw.exec, at('exec')),
    environment: environment(raw.environment),
    secret: raw.secret ?? false,
    state,
    socketDirectives: directives(findings, raw, 'socket', at('socket')),
    serviceDirectives: directives(findings, raw, 'service', at('service')),
    hardening: { level: raw.hardening ?? playHardening, network: raw.network ?? false },
    adopt: raw.adopt ?? false,
    allowedDropIns: raw.allow_drop_ins ?? [],
    ...(check ? { check } : {}),
    position: findings.source.positionOf(path),
  };
}

const DEFAULT_CHECK_TIMEOUT_SECONDS = 10;

function serviceCheck(findings: Findings, raw: RawCheck, state: RawService['state'], path: YamlPath): ServiceCheck {
  if (state === 'absent') findings.add(path, 'a service with state: absent has nothing to check', 'remove `check`', 'key');
  const expect = typeof raw.expect === 'string' ? { kind: 'text' as const, text: raw.expect } : { kind: 'regex' as const, source: raw.expect.regex };
  if (expect.kind === 'regex') {
    const problem = regexProblem(expect.source);
    if (problem) findings.add([...path, 'expect', 'regex'], `regex ${JSON.stringify(expect.source)} is not valid: ${problem}`, 'write a JavaScript regular expression without slashes or flags, e.g. ^Hello World$');
  }
  return { ...(raw.send === undefined ? {} : { send: raw.send }), expect, timeoutSeconds: raw.timeout ?? DEFAULT_CHECK_TIMEOUT_SECONDS };
}

function regexProblem(source: string): string | null {
  try {
    new RegExp(source, CHECK_REGEX_FLAGS);
    return null;
  } catch (error) {
    // Node names the pattern with its flags again (`/(x/m: …`): the reason alone reads better.
    return (error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
  }
}

function listenAddresses(findings: Findings, raw: RawService['listen'], path: YamlPath): ListenAddress[] {
  if (raw === undefined) return [];
  const entries = Array.isArray(raw) ? raw.map((value, index) => ({ value, path: [...path, index] })) : [{ value: raw, path }];
  const addresses: ListenAddress[] = [];
  for (const entry of entries) {
    const result = parseListen(entry.value);
    if (result.problem !== undefined) findings.add(entry.path, result.problem, result.hint);
    else addresses.push(result.address);
  }
  return addresses;
}

function execArguments(findings: Findings, argv: string[], path: YamlPath): string[] {
  const [program] = argv;
  const problem = program === undefined ? null : programPathProblem(program);
  if (problem) findings.add([...path, 0], `program ${JSON.stringify(program)} ${problem}`, 'name the program by its absolute path, e.g. /usr/bin/python3');
  // Arguments are written quoted (the schema refuses control characters): a trailing backslash stays inside the quotes.
  return argv;
}

function environment(raw: RawService['environment']): EnvironmentVariable[] {
  return Object.entries(raw ?? {}).map(([name, value]) => ({ name, value: String(value) }));
}

function serviceUser(raw: RawService['user']): ServiceUser {
  if (raw === undefined || raw === 'dynamic') return { kind: 'dynamic' };
  return { kind: 'fixed', user: raw.user, group: raw.group ?? null };
}

function scriptPath(findings: Findings, path: string, where: YamlPath): string {
  const problem = scriptPathProblem(path);
  if (problem) findings.add(where, `script path ${JSON.stringify(path)} ${problem.problem}`, problem.hint);
  return path;
}

/** Why `path` may not receive a script, or null when it may. */
function scriptPathProblem(path: string): { problem: string; hint: string } | null {
  const roots = SCRIPT_ROOTS.join(', ');
  if (!path.startsWith('/')) return { problem: 'is not absolute', hint: `use a path under ${roots}` };
  if (!SCRIPT_PATH_CHARACTERS.test(path)) return { problem: 'has characters other than letters, digits, space and . _ + @ : - /', hint: 'rename the path' };
  if (path.split('/').some((segment) => segment === '..' || segment === '.') || posix.normalize(path) !== path || path.endsWith('/')) {
    return { problem: 'is not a plain path (no `.`, `..`, `//` or trailing `/`)', hint: `write it out, e.g. ${SCRIPT_ROOTS[0]}NAME/NAME.sh` };
  }
  if (!SCRIPT_ROOTS.some((root) => path.startsWith(root))) return { problem: `is outside ${roots}`, hint: `scripts go under ${roots}` };
  return null;
}

async function scriptContent(findings: Findings, raw: RawService['script'], path: YamlPath, readScript: ScriptReader): Promise<string> {
  if (raw?.src === undefined) return raw?.content ?? '';
  const srcPath = [...path, 'src'];
  const problem = scriptSrcProblem(raw.src);
  if (problem) {
    findings.add(srcPath, `script src ${JSON.stringify(raw.src)} ${problem}`, "keep scripts in the playbook's folder or below it");
    return '';
  }
  try {
    return await readScript(raw.src);
  } catch (error) {
    findings.add(srcPath, `cannot read script src ${JSON.stringify(raw.src)}: ${(error as Error).message}`, 'the path is relative to the playbook file');
    return '';
  }
}

function directives(findings: Findings, service: RawService, section: DirectiveSection, path: YamlPath): Directive[] {
  const result: Directive[] = [];
  for (const [key, values] of Object.entries(service[section] ?? {})) {
    if (MANAGED_DIRECTIVES.includes(key)) {
      findings.add([...path, key], `directive ${key} is written by octoi and cannot be set here`, managedHint(key), 'key');
      continue;
    }
    const list = Array.isArray(values) ? values.map((value, index) => ({ value, where: [...path, key, index] })) : [{ value: values, where: [...path, key] }];
    for (const { value, where } of list) {
      const text = typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value);
      checkUnitValue(findings, where, text);
      const privileged = privilegedReason(section, key, text);
      if (privileged && !service.privileged) {
        findings.add(where, `directive ${key}=${text} needs \`privileged: true\` on the service: ${privileged}`,
          'extras may tune the socket, limit resources or narrow the sandbox; set `privileged: true` if this service really needs more (plan flags it)');
      }
      result.push({ key, value: text, ...(privileged ? { privileged } : {}) });
    }
  }
  return result;
}

function managedHint(key: string): string {
  if (key === 'ListenStream') return 'use `listen`';
  if (key === 'DynamicUser' || key === 'User' || key === 'Group') return 'use `user`';
  if (key === 'ExecStart') return 'use `script` or `exec`';
  return 'remove it: octoi sets it for socket activation';
}

function checkUnitValue(findings: Findings, path: YamlPath, value: string): void {
  const problem = unitValueProblem(value);
  if (problem) findings.add(path, `value ${JSON.stringify(value)} ${problem}`, 'values are written into unit files one line each');
}
