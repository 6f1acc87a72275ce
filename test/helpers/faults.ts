/**
 * Shared by the fault suite: playbooks and inventories written like a user's, the managed files of
 * a host and their hashes, `octoi` runs that can be signalled, and the checks every fault ends with.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadPlaybook } from '../../lib/config/playbook.js';
import { ExitCode } from '../../lib/exit-codes.js';
import { packageRoot } from '../../lib/paths.js';
import { TEMP_MARK } from '../../lib/host-layout.js';
import { desiredService } from '../../lib/desired/render.js';
import type { JsonReport } from '../../lib/report/json.js';
import { readJsonReport, runOctoi, type CliResult } from './cli.js';
import type { TestLab } from './lab.js';
import { fixedServices } from './plays.js';

export interface ServiceOptions {
  name: string;
  port: number | string;
  /** The script's body after `#!/bin/sh`. */
  body: string;
  /** Extra lines of the service, indented as its keys. */
  extra?: string[];
  /** Extra lines of its `script:` mapping, such as `secret: true`. */
  scriptExtra?: string[];
}

/** A one-play playbook for the `gateways` group. */
export function playbookText(services: readonly ServiceOptions[]): string {
  const lines = ['- name: faults', '  hosts: gateways', '  services:'];
  for (const service of services) {
    lines.push(`    - name: ${service.name}`, `      listen: ${JSON.stringify(service.port)}`, ...(service.extra ?? []).map((line) => `      ${line}`));
    lines.push('      script:', ...(service.scriptExtra ?? []).map((line) => `        ${line}`), '        content: |', '          #!/bin/sh', ...service.body.split('\n').map((line) => `          ${line}`));
  }
  return `${lines.join('\n')}\n`;
}

/** A script body of about `bytes` bytes (comment lines), so an upload takes long enough to be cut. */
export function bulkyBody(output: string, bytes: number): string {
  const filler = '# octoi fault-suite filler line ...........................................';
  return [`echo ${output}`, ...Array.from({ length: Math.ceil(bytes / (filler.length + 11)) }, () => filler)].join('\n');
}

export interface ManagedFile {
  path: string;
  sha256: string;
}

/** Every file the playbook manages, with the hash of what octoi renders for it. */
export async function managedFiles(playbookFile: string): Promise<ManagedFile[]> {
  const playbook = await loadPlaybook(playbookFile);
  return playbook.plays.flatMap((play) => fixedServices(play).map(desiredService)).flatMap((service) =>
    service.files.map((file) => ({ path: file.path, sha256: sha256(file.content) })));
}

export function sha256(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

/** The sha256 of each path on a host, or null when it does not exist. */
export async function hashesOn(lab: TestLab, host: string, paths: readonly string[]): Promise<Record<string, string | null>> {
  const script = 'for f in "$@"; do if [ -f "$f" ]; then sha256sum < "$f" | cut -d" " -f1; else echo absent; fi; done';
  const result = await lab.exec(host, ['sh', '-c', script, 'sh', ...paths]);
  assert.equal(result.exitCode, 0, result.stderr);
  const hashes = result.stdout.trim().split('\n');
  return Object.fromEntries(paths.map((path, index) => [path, hashes[index] === 'absent' ? null : (hashes[index] ?? null)]));
}

/**
 * The promise under faults: each managed file is absent, the old version or the new one, byte
 * for byte. `versions` are the playbooks that may have been applied, oldest first.
 */
export async function assertNoPartialFiles(lab: TestLab, hosts: readonly string[], versions: readonly ManagedFile[][]): Promise<void> {
  const allowed = new Map<string, Set<string>>();
  for (const file of versions.flat()) allowed.set(file.path, (allowed.get(file.path) ?? new Set()).add(file.sha256));
  for (const host of hosts) {
    for (const [path, hash] of Object.entries(await hashesOn(lab, host, [...allowed.keys()]))) {
      if (hash !== null) assert.ok(allowed.get(path)?.has(hash), `${host}:${path} is neither absent nor a version octoi wrote (sha256 ${hash})`);
    }
  }
}

/** Every host holds exactly the files of `files`. */
export async function assertConverged(lab: TestLab, hosts: readonly string[], files: readonly ManagedFile[]): Promise<void> {
  const expected = Object.fromEntries(files.map((file) => [file.path, file.sha256]));
  for (const host of hosts) assert.deepEqual(await hashesOn(lab, host, Object.keys(expected)), expected, host);
}

/** Leftover upload temp files (`.NAME.octoi-tmp`) in the folders of the managed files, with mode and owner. */
export async function tempFilesOn(lab: TestLab, host: string, files: readonly ManagedFile[]): Promise<string[]> {
  const folders = [...new Set(files.map((file) => file.path.slice(0, file.path.lastIndexOf('/'))))];
  const script = `for d in "$@"; do for f in "$d"/.*${TEMP_MARK}*; do if [ -e "$f" ]; then stat -c '%n %a %U' "$f"; fi; done; done`;
  const result = await lab.exec(host, ['sh', '-c', script, 'sh', ...folders]);
  assert.equal(result.exitCode, 0, result.stderr);
  return result.stdout.split('\n').filter(Boolean);
}

const documentedExitCodes = new Set<number>(Object.values(ExitCode));

/** octoi ended on its own terms: a documented exit code and no stack trace anywhere. */
export function assertNoCrash(run: CliResult): void {
  assert.ok(run.exitCode !== null && documentedExitCodes.has(run.exitCode), `undocumented exit code ${run.exitCode}\n${run.stderr}`);
  assert.notEqual(run.exitCode, ExitCode.internal, run.stderr);
  for (const output of [run.stdout, run.stderr]) {
    assert.doesNotMatch(output, /^\s+at .+:\d+:\d+\)?$/m, 'a stack trace was printed');
    assert.doesNotMatch(output, /internal error|unhandled|uncaught/i);
  }
}

export interface OctoiProcess {
  child: ChildProcess;
  done: Promise<CliResult>;
}

/** Starts the real `octoi` without waiting for it, so a test can signal it mid-run. */
export function startOctoi(args: readonly string[]): OctoiProcess {
  const child = spawn(process.execPath, [join(packageRoot(), 'bin', 'octoi'), ...args], {
    cwd: packageRoot(),
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ exitCode, stdout, stderr }));
  });
  return { child, done };
}

export interface RunEventLine {
  type: string;
  host?: string;
  step?: string;
}

/** Resolves with the first line of an `--events` file that matches, polling as the run writes it. */
export async function waitForEvent(file: string, matches: (event: RunEventLine) => boolean, timeoutMs = 60_000): Promise<RunEventLine> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = await readFile(file, 'utf8').catch(() => '');
    const found = text.split('\n').filter((line) => line.endsWith('}')).map((line) => JSON.parse(line) as RunEventLine).find(matches);
    if (found) return found;
    await sleep(50);
  }
  throw new Error(`no matching event in ${file} within ${timeoutMs} ms`);
}

/** Resolves once `check` holds, polling. */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(100);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const SLOW_SYSTEMCTL = '/usr/local/sbin/systemctl';
/** Where the slowed-down `systemctl` records its pid, so a test knows the step started and can kill it. */
export const SLOW_SYSTEMCTL_PID = '/run/octoi-slow-systemctl.pid';

/**
 * Puts a `systemctl` first in the host's PATH that waits `seconds` before `subcommand` (the facts
 * probe is not slowed): a window in the middle of the apply step in which the test acts.
 */
export async function slowDownSystemctl(lab: TestLab, host: string, subcommand: string, seconds: number): Promise<void> {
  const wrapper = `#!/bin/sh\nif [ "$1" = ${subcommand} ]; then echo $$ > ${SLOW_SYSTEMCTL_PID}; sleep ${seconds}; fi\nexec /usr/bin/systemctl "$@"\n`;
  const result = await lab.exec(host, ['sh', '-c', 'rm -f "$3" && printf %s "$1" > "$2" && chmod 0755 "$2"', 'sh', wrapper, SLOW_SYSTEMCTL, SLOW_SYSTEMCTL_PID]);
  assert.equal(result.exitCode, 0, result.stderr);
}

export async function restoreSystemctl(lab: TestLab, host: string): Promise<void> {
  await lab.exec(host, ['rm', '-f', SLOW_SYSTEMCTL, SLOW_SYSTEMCTL_PID]);
}

/**
 * Kills the slowed-down systemctl and the sleep it waits in: a step still running on a host holds
 * octoi's lock there (it inherited the lock's file), as it should, until it ends. The wrapper is
 * stopped first: woken by its sleep's death, it would go on to run the real systemctl.
 */
export async function killSlowSystemctl(lab: TestLab, host: string): Promise<void> {
  const result = await lab.exec(host, ['sh', '-c', 'pid=$(cat "$1") && kill -STOP "$pid" && pkill -KILL -P "$pid"; kill -KILL "$pid"', 'sh', SLOW_SYSTEMCTL_PID]);
  assert.equal(result.exitCode, 0, result.stderr);
}

/** The pid of the slowed-down systemctl once it has started waiting. */
export async function slowSystemctlPid(lab: TestLab, host: string): Promise<number | null> {
  const result = await lab.exec(host, ['cat', SLOW_SYSTEMCTL_PID]);
  return result.exitCode === 0 && /^\d+$/.test(result.stdout.trim()) ? Number(result.stdout.trim()) : null;
}

export interface ExtraHost {
  name: string;
  vars: Record<string, string | number>;
}

/** The lab's inventory with more hosts in `gateways` (a fake or broken one next to the real ones). */
export async function inventoryWith(lab: TestLab, file: string, extra: readonly ExtraHost[]): Promise<string> {
  const inventory = parse(await readFile(lab.inventoryPath, 'utf8')) as { all: { children: { gateways: { hosts: Record<string, unknown> } } } };
  for (const host of extra) inventory.all.children.gateways.hosts[host.name] = host.vars;
  await writeFile(file, stringify(inventory));
  return file;
}

/** The connection variables the lab gives its hosts, for building a variant of one. */
export async function labHostVars(lab: TestLab, host: string): Promise<Record<string, string | number>> {
  const inventory = parse(await readFile(lab.inventoryPath, 'utf8')) as { all: { children: { gateways: { hosts: Record<string, Record<string, string | number>> } } } };
  const vars = inventory.all.children.gateways.hosts[host];
  assert.ok(vars, `the lab inventory has no ${host}`);
  return { ...vars };
}

export interface PlayRun {
  run: CliResult;
  report: JsonReport;
  seconds: number;
}

let reports = 0;

/** `octoi play` with a JSON report next to the playbook; checks that octoi did not crash. */
export async function play(inventory: string, playbook: string, ...options: string[]): Promise<PlayRun> {
  reports += 1;
  const json = join(dirname(playbook), `report-${reports}.json`);
  const started = Date.now();
  const run = await runOctoi(['play', playbook, '-i', inventory, '--json', json, '--plain', ...options]);
  const seconds = (Date.now() - started) / 1000;
  assertNoCrash(run);
  return { run, report: await readJsonReport(json), seconds };
}

/**
 * After a fault is gone: a run converges every host (exit 0) and removes leftover temp files,
 * and one more run changes nothing.
 */
export async function assertRerunConverges(lab: TestLab, playbook: string): Promise<PlayRun> {
  const files = await managedFiles(playbook);
  const hosts = lab.hosts.map((host) => host.name);
  const rerun = await play(lab.inventoryPath, playbook);
  assert.equal(rerun.run.exitCode, ExitCode.ok, rerun.run.stdout + rerun.run.stderr);
  await assertConverged(lab, hosts, files);
  for (const host of hosts) assert.deepEqual(await tempFilesOn(lab, host, files), [], `${host} kept temp files`);
  const third = await play(lab.inventoryPath, playbook);
  assert.equal(third.run.exitCode, ExitCode.ok, third.run.stdout + third.run.stderr);
  assert.equal(third.report.totals.changed, 0, third.run.stdout);
  return rerun;
}
