import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CheckRecord } from '../../lib/check/types.js';
import type { Play } from '../../lib/config/types.js';
import { OctoiError } from '../../lib/diagnostics.js';
import { ExitCode } from '../../lib/exit-codes.js';
import { jsonHostEntry, JsonFileView } from '../../lib/report/json.js';
import { JunitFileView } from '../../lib/report/junit-view.js';
import { hostResultOf, joinShardReports, readShardReports } from '../../lib/report/merge.js';
import { formatRecap } from '../../lib/report/recap.js';
import { broadcast } from '../../lib/report/view.js';
import { shardPlays } from '../../lib/run/shard.js';
import type { HostResult, ReportedCommand, Shard } from '../../lib/run/types.js';
import { runOctoi } from '../helpers/cli.js';

const base = { actions: [], changes: [], problems: [], execs: 1, uploads: 0 };
const write = (service: string, path: string) => ({ kind: 'write-file' as const, path, content: 'x\n', mode: 0o644, change: 'create' as const, service });
const passed: CheckRecord = { service: 'hello', address: '127.0.0.1:13063', expect: '"Hello World"', outcome: 'passed', bytes: 12, durationMs: 40 };

/** One host of each kind a run ends with, with a service whose name holds a colon. */
const fleet: HostResult[] = [
  {
    ...base, host: 'gw01', status: 'changed', phase: 'check', execs: 3, uploads: 2, durationMs: 812, checks: [passed],
    actions: [
      { action: write('hello', '/etc/systemd/system/hello.socket'), outcome: 'done', description: '+ create /etc/systemd/system/hello.socket' },
      { action: { kind: 'daemon-reload' }, outcome: 'done', description: '~ systemctl daemon-reload' },
      { action: { kind: 'start-socket', unit: 'hello.socket', service: 'hello', enabledNow: true }, outcome: 'done', description: '~ start hello.socket' },
    ],
  },
  { ...base, host: 'gw02', status: 'ok', phase: 'verify', durationMs: 301, notices: ['the dead-man switch of an earlier run put the previous version back'] },
  {
    ...base, host: 'gw03', status: 'failed', phase: 'verify', execs: 4, uploads: 1, durationMs: 950, rollback: 'rolled-back',
    actions: [{ action: write('echo:v2', '/etc/systemd/system/echo:v2.socket'), outcome: 'done', description: '+ create /etc/systemd/system/echo:v2.socket' }],
    problems: [{ service: 'echo:v2', message: 'v2: nothing listens on 13064' }],
    error: { reason: 'verify-failed', message: 'echo:v2: nothing listens on 13064', hint: 'see journalctl -u echo:v2.socket' },
  },
  { ...base, host: 'gw04', status: 'unreachable', phase: 'connect', execs: 0, durationMs: 15, error: { reason: 'unreachable', message: 'connect ECONNREFUSED 10.0.0.4:22' } },
  {
    ...base, host: 'gw05', status: 'failed', phase: 'apply', execs: 2, durationMs: 420,
    actions: [{ action: write('hello', '/opt/hello/hello.sh'), outcome: 'failed', description: '+ create /opt/hello/hello.sh', error: 'No space left on device\n' }],
    error: { reason: 'disk-full', message: 'the disk is full' },
  },
  { ...base, host: 'gw06', status: 'skipped', phase: 'connect', execs: 0, durationMs: 0, error: { reason: 'budget-exceeded', message: 'not touched: the rollout stopped (1 of 3 failed)' } },
  { ...base, host: 'gw07', status: 'ok', phase: 'verify', durationMs: 280, exposure: { hello: { score: 1.2, label: 'OK' }, 'echo:v2': null } },
];
const servicesOf = (host: string): string[] => (host === 'gw03' ? ['hello', 'echo:v2'] : ['hello']);

/** What a run's report says of it beyond its hosts' results. */
interface ReportedRun {
  command: ReportedCommand;
  runId: string;
  shard?: Shard;
}
const play: Play = { name: 'gateways', hosts: 'all', services: { kind: 'fixed', services: [] }, hardening: 'strict', position: { file: 'site.yml', line: 1, column: 1 } };
const shardDurations = [2100, 2600, 1900];
/** Every part of one run has its id: the same playbook and targets, whatever the split. */
const runId = 'c0ffee';

let dir: string;
before(async () => (dir = await mkdtemp(join(tmpdir(), 'octoi-merge-'))));
after(() => rm(dir, { recursive: true, force: true }));

interface Written {
  json: string;
  junit: string;
}

/** What the report views write for a run: a shard's or, with no shard, the whole run's. */
async function writeReports(name: string, results: readonly HostResult[], run: ReportedRun, durationMs: number, check = false, stoppedBy?: string): Promise<Written> {
  const files = { json: join(dir, `${name}.json`), junit: join(dir, `${name}.xml`) };
  const views = [new JsonFileView(files.json), new JunitFileView(files.junit)];
  const show = broadcast(views);
  const hosts = results.map((result) => result.host);
  show({ type: 'run-started', ...run, playbook: 'playbooks/site.yml', hosts, check, services: Object.fromEntries(hosts.map((host) => [host, servicesOf(host)])) });
  for (const result of results) show({ type: 'host-finished', result });
  show({ type: 'run-finished', results: [...results], interrupted: false, durationMs, ...(stoppedBy ? { stoppedBy } : {}) });
  await Promise.all(views.map((view) => view.close()));
  return files;
}

/** Each shard's reports, its hosts dealt out as `--shard K/N` deals them. */
async function shardReports(name: string, results: readonly HostResult[], count: number, command: ReportedCommand = 'play', check = false): Promise<string[]> {
  const parts = Array.from({ length: count }, (_, position) => ({ index: position + 1, count }));
  const all = results.map((result) => result.host);
  return Promise.all(
    parts.map(async (shard) => {
      const [mine] = shardPlays([{ play, hosts: all }], shard);
      const hosts = new Set(mine?.hosts);
      const run = { command, runId, shard };
      return (await writeReports(`${name}-${shard.index}`, results.filter((result) => hosts.has(result.host)), run, shardDurations[shard.index - 1] ?? 1000, check)).json;
    }),
  );
}

async function mergedReports(name: string, files: readonly string[]): Promise<Written & { recap: string }> {
  const { started, finished } = joinShardReports(await readShardReports(files));
  const written = { json: join(dir, `${name}.json`), junit: join(dir, `${name}.xml`) };
  const views = [new JsonFileView(written.json), new JunitFileView(written.junit)];
  broadcast(views)(started);
  broadcast(views)(finished);
  await Promise.all(views.map((view) => view.close()));
  return { ...written, recap: formatRecap(finished.results, finished.durationMs, finished.interrupted) };
}

async function refusalOf(files: readonly string[]): Promise<string> {
  const error = await readShardReports(files).then(joinShardReports).then(
    () => assert.fail('the reports were joined'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof OctoiError, String(error));
  assert.equal(error.kind, 'invalid-input');
  return error.message;
}

async function editReport(file: string, name: string, edit: (report: Record<string, unknown>) => void): Promise<string> {
  const report = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  edit(report);
  const edited = join(dir, name);
  await writeFile(edited, JSON.stringify(report));
  return edited;
}

describe('joining the reports of a sharded run', () => {
  it('gives the recap, JSON and JUnit the views write for the whole run, its time the longest shard\'s', async () => {
    const whole = await writeReports('whole', fleet, { command: 'play', runId }, Math.max(...shardDurations));
    const merged = await mergedReports('merged', await shardReports('three', fleet, 3));
    assert.equal(await readFile(merged.json, 'utf8'), await readFile(whole.json, 'utf8'));
    assert.equal(await readFile(merged.junit, 'utf8'), await readFile(whole.junit, 'utf8'));
    assert.equal(merged.recap, formatRecap(fleet, 2600, false));
    assert.match(merged.recap, /^RECAP \(7 hosts, 2\.6 s\)\n {2}gw01 {2}changed/);
  });

  it('gives the same whole run for any number of shards, and from one unsharded report', async () => {
    const whole = await mergedReports('from-three', await shardReports('three', fleet, 3));
    const unsharded = await writeReports('unsharded', fleet, { command: 'play', runId }, 2600);
    const partings = [[unsharded.json], ...(await Promise.all([1, 2, 7].map((count) => shardReports(`in-${count}`, fleet, count))))];
    for (const [index, files] of partings.entries()) {
      const merged = await mergedReports(`parting-${index}`, files);
      assert.deepEqual({ ...JSON.parse(await readFile(merged.json, 'utf8')), durationMs: 0 }, { ...JSON.parse(await readFile(whole.json, 'utf8')), durationMs: 0 }, files.join(' '));
    }
  });

  it('keeps of each host what every view reads: its entry written again is the same', async () => {
    const [file] = await shardReports('one', fleet, 1);
    const [part] = await readShardReports([file!]);
    for (const [host, { services: _services, ...entry }] of Object.entries(part!.report.hosts)) {
      assert.deepEqual(jsonHostEntry(hostResultOf(host, entry)), entry, host);
    }
  });

  it('keeps check mode, the interruption and why a rollout stopped', async () => {
    const files = await shardReports('check', fleet.slice(0, 2), 2, 'play', true);
    const stopped = await editReport(files[1]!, 'stopped.json', (report) => Object.assign(report, { interrupted: true, stoppedBy: '1 of 3 failed' }));
    const { started, finished } = joinShardReports(await readShardReports([files[0]!, stopped]));
    assert.deepEqual([started.check, finished.interrupted, finished.stoppedBy], [true, true, '1 of 3 failed']);
  });
});

describe('reports that cannot be joined', () => {
  it('names a file that is not an octoi JSON report', async () => {
    const [good] = await shardReports('bad', fleet, 1);
    const text = join(dir, 'notes.txt');
    await writeFile(text, 'hello\n');
    assert.match(await refusalOf([good!, text]), /notes\.txt: not an octoi JSON report \(it is not JSON\)/);
    const other = join(dir, 'package.json');
    await writeFile(other, JSON.stringify({ name: 'x', version: '1.0.0' }));
    assert.match(await refusalOf([other]), /package\.json: not an octoi JSON report/);
    assert.match(await refusalOf([join(dir, 'absent.json')]), /absent\.json: cannot be read \(ENOENT\)/);
    const old = await editReport(good!, 'old.json', (report) => delete report.runId);
    assert.match(await refusalOf([old]), /old\.json: the report does not say which run it is of/);
    const broken = await editReport(good!, 'broken.json', (report) => Object.assign(report.hosts as object, { gw02: { status: 'fine' } }));
    assert.match(await refusalOf([broken]), /broken\.json: not an octoi JSON report \(the entry of host gw02 is not a host's result\)/);
  });

  it('refuses reports of different runs, playbooks, commands or splits', async () => {
    const files = await shardReports('mixed', fleet, 2);
    const other = await editReport(files[1]!, 'other-run.json', (report) => (report.runId = 'elsewhere'));
    assert.match(await refusalOf([files[0]!, other]), /other-run\.json is not a part of the same run as .*mixed-1\.json: the playbook's text or the hosts it targets differ/);
    const playbook = await editReport(files[1]!, 'other-playbook.json', (report) => (report.playbook = 'playbooks/other.yml'));
    assert.match(await refusalOf([files[0]!, playbook]), /other-playbook\.json is a report of playbooks\/other\.yml, .*mixed-1\.json of playbooks\/site\.yml/);
    const check = await editReport(files[1]!, 'check.json', (report) => (report.check = true));
    assert.match(await refusalOf([files[0]!, check]), /check\.json is a report of octoi play --check, .*mixed-1\.json of octoi play/);
    const [third] = await shardReports('thirds', fleet, 3);
    assert.match(await refusalOf([files[0]!, third!]), /thirds-1\.json is shard 1\/3 but .*mixed-1\.json is shard 1\/2: they split the run differently/);
  });

  it('refuses a shard given twice, shards that overlap, and names a missing shard', async () => {
    const files = await shardReports('parts', fleet, 3);
    assert.match(await refusalOf([files[0]!, files[1]!, files[1]!]), /parts-2\.json and .*parts-2\.json are both shard 2\/3/);
    const overlapping = await editReport(files[2]!, 'overlap.json', (report) => Object.assign(report.hosts as object, { gw04: (report.hosts as Record<string, unknown>).gw03 }));
    assert.match(await refusalOf([...files.slice(0, 2), overlapping]), /host gw04 is in both .*parts-1\.json and .*overlap\.json: the shards overlap/);
    assert.match(await refusalOf([files[0]!, files[2]!]), /shard 2\/3 is missing: given 1\/3 \(.*parts-1\.json\), 3\/3 \(.*parts-3\.json\)/);
    assert.match(await refusalOf([files[1]!]), /shard 1\/3, shard 3\/3 are missing/);
  });
});

describe('octoi report merge', () => {
  it('prints the recap, writes the JSON and JUnit, and exits as one unsharded run would', async () => {
    const files = await shardReports('cli', fleet, 3);
    const out = { json: join(dir, 'cli-merged.json'), junit: join(dir, 'cli-merged.xml') };
    const result = await runOctoi(['report', 'merge', ...files, '--json', out.json, '--junit', out.junit]);
    assert.equal(result.stderr, '');
    assert.equal(result.stdout, `${formatRecap(fleet, 2600, false)}\n`);
    assert.equal(result.exitCode, ExitCode.hostsFailed);
    const whole = await writeReports('cli-whole', fleet, { command: 'play', runId }, 2600);
    assert.equal(await readFile(out.json, 'utf8'), await readFile(whole.json, 'utf8'));
    assert.equal(await readFile(out.junit, 'utf8'), await readFile(whole.junit, 'utf8'));
  });

  it('exits 3 for an unreachable host, 0 for a fleet that converged, 6 for a plan with drift', async () => {
    const unreachable = await runOctoi(['report', 'merge', ...(await shardReports('cli-3', [fleet[1]!, fleet[3]!], 2))]);
    assert.equal(unreachable.exitCode, ExitCode.hostsUnreachable);
    const converged = await runOctoi(['report', 'merge', ...(await shardReports('cli-0', [fleet[0]!, fleet[1]!, fleet[6]!], 2))]);
    assert.equal(converged.exitCode, ExitCode.ok);
    const planned = fleet[0]!.actions.map((record) => ({ ...record, outcome: 'planned' as const }));
    const drift = await runOctoi(['report', 'merge', ...(await shardReports('cli-6', [{ ...fleet[0]!, actions: planned }, fleet[1]!], 2, 'plan', true))]);
    assert.equal(drift.exitCode, ExitCode.changesPending);
    const checked = await runOctoi(['report', 'merge', ...(await shardReports('cli-check', [{ ...fleet[0]!, actions: planned }, fleet[1]!], 2, 'play', true))]);
    assert.equal(checked.exitCode, ExitCode.ok);
  });

  it('refuses with exit 4, naming the file', async () => {
    const files = await shardReports('cli-4', fleet, 3);
    const missing = await runOctoi(['report', 'merge', files[0]!, files[2]!]);
    assert.equal(missing.exitCode, ExitCode.invalidInput);
    assert.match(missing.stderr, /error: shard 2\/3 is missing: given 1\/3 \(.*cli-4-1\.json\), 3\/3 \(.*cli-4-3\.json\)\n {2}hint: /);
    assert.equal(missing.stdout, '');
    const none = await runOctoi(['report', 'merge']);
    assert.equal(none.exitCode, ExitCode.invalidInput);
    const unknown = await runOctoi(['report', 'join', files[0]!]);
    assert.match(unknown.stderr, /octoi report has no subcommand "join"/);
    assert.equal(unknown.exitCode, ExitCode.invalidInput);
  });
});
