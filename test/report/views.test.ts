import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Diagnostic } from '../../lib/diagnostics.js';
import type { HostStatusEntry } from '../../lib/host/status.js';
import { EventsFileView } from '../../lib/report/events-view.js';
import { JsonFileView, type JsonInputErrorReport, type JsonReport } from '../../lib/report/json.js';
import { JunitFileView } from '../../lib/report/junit-view.js';
import { PlainView } from '../../lib/report/plain-view.js';
import { statusTableView, type StatusReport } from '../../lib/report/status-table.js';
import { broadcast, type View } from '../../lib/report/view.js';
import { idempotence, planSummary } from '../../lib/run/results.js';
import type { HostResult, RunEvent, RunStarted } from '../../lib/run/types.js';

const typo: Diagnostic = {
  severity: 'error', message: 'unknown key `servics`', hint: 'did you mean `services`?', position: { file: 'site.yml', line: 3, column: 3 }, field: 'plays[0].servics',
};
const missing: Diagnostic = { severity: 'error', message: 'missing required key `services`', position: { file: 'site.yml', line: 1, column: 3 }, field: 'plays[0]' };
const skippedKey: Diagnostic = {
  severity: 'warning', message: 'skipping unexpected key "hots" in group web: only vars, children and hosts are read', hint: 'did you mean "hosts"?', position: { file: 'inv.yml', line: 2, column: 5 },
};

const drifted: HostResult = {
  host: 'gw01', status: 'changed', phase: 'verify', changes: ['hello.socket ListenStream 13063→13064'], problems: [], execs: 2, uploads: 0, durationMs: 400,
  actions: [{ action: { kind: 'write-file', path: '/etc/systemd/system/hello.socket', content: 'x\n', mode: 0o644, change: 'update', service: 'hello' }, outcome: 'planned', description: '~ update /etc/systemd/system/hello.socket' }],
  exposure: { hello: { score: 1.2, label: 'OK' } },
};
const inSync: HostResult = { host: 'gw02', status: 'ok', phase: 'verify', actions: [], changes: [], problems: [], execs: 1, uploads: 0, durationMs: 300, exposure: { hello: { score: 1.2, label: 'OK' } } };
const started: RunStarted = {
  type: 'run-started', command: 'plan', runId: 'c0ffee', playbook: 'site.yml', hosts: ['gw01', 'gw02'], check: true, services: { gw01: ['hello'], gw02: ['hello', 'echo'] },
};
const finished: RunEvent = { type: 'run-finished', results: [drifted, inSync], interrupted: false, durationMs: 900 };
/** `octoi plan` on two hosts whose inventory warns: everything a plan shows. */
const planRun: RunEvent[] = [
  { type: 'diagnostics', diagnostics: [skippedKey] },
  started,
  { type: 'host-step', host: 'gw01', step: 'connecting' },
  { type: 'host-finished', result: drifted },
  { type: 'host-finished', result: inSync },
  finished,
  planSummary([drifted, inSync]),
];
const statusEntries: Record<string, HostStatusEntry> = {
  gw01: { status: 'ok', services: { hello: { enabled: 'enabled', active: 'active', listening: ['*:13063'], accepted: 3, connections: 0, refused: 0, exposure: null } } },
  gw02: { status: 'unreachable', services: {}, error: 'connect ECONNREFUSED 10.0.0.2:22' },
};
const statusRead: RunEvent[] = [
  { type: 'diagnostics', diagnostics: [skippedKey] },
  { type: 'status-started', hosts: ['gw01', 'gw02'] },
  { type: 'host-status', host: 'gw02', status: statusEntries.gw02! },
  { type: 'host-status', host: 'gw01', status: statusEntries.gw01! },
  { type: 'status-finished', hosts: statusEntries, interrupted: false },
];

let dir: string;
before(async () => (dir = await mkdtemp(join(tmpdir(), 'octoi-views-'))));
after(() => rm(dir, { recursive: true, force: true }));

async function show(views: readonly View[], events: readonly RunEvent[]): Promise<void> {
  events.forEach(broadcast(views));
  await Promise.all(views.map((view) => view.close()));
}

function streams(): { out: PassThrough; err: PassThrough; text: () => { out: string; err: string } } {
  const out = new PassThrough();
  const err = new PassThrough();
  return { out, err, text: () => ({ out: String(out.read() ?? ''), err: String(err.read() ?? '') }) };
}

async function jsonOf<T>(name: string, events: readonly RunEvent[]): Promise<T> {
  const file = join(dir, `${name}.json`);
  await show([new JsonFileView(file)], events);
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

describe('invalid input in every view', () => {
  const refused: RunEvent[] = [{ type: 'diagnostics', diagnostics: [missing, typo] }];

  it('plain lines: each error at its file:line:col on stderr, then the count; nothing on stdout', async () => {
    const { out, err, text } = streams();
    await show([new PlainView({ out, err })], refused);
    assert.deepEqual(text(), {
      out: '',
      err: 'site.yml:1:3: error: missing required key `services` (field: plays[0])\nsite.yml:3:3: error: unknown key `servics` (field: plays[0].servics)\n  hint: did you mean `services`?\n2 errors\n',
    });
  });

  it('the JSON document is the diagnostics, with their positions', async () => {
    assert.deepEqual(await jsonOf<JsonInputErrorReport>('refused', refused), { diagnostics: [missing, typo] });
  });

  it('events: one diagnostics line', async () => {
    const file = join(dir, 'refused.jsonl');
    await show([new EventsFileView(file)], refused);
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.type, 'diagnostics');
    assert.deepEqual(lines[0]?.diagnostics, [missing, typo]);
  });

  it('JUnit writes nothing: there was no run to report', async () => {
    const file = join(dir, 'refused.xml');
    await show([new JunitFileView(file)], refused);
    await assert.rejects(stat(file), { code: 'ENOENT' });
  });
});

describe('a plan in every view', () => {
  it('plain lines: the warning on stderr, the recap, then the fleet grouped by changes and by exposure', async () => {
    const { out, err, text } = streams();
    await show([new PlainView({ out, err })], planRun);
    const shown = text();
    assert.equal(shown.err, 'inv.yml:2:5: warning: skipping unexpected key "hots" in group web: only vars, children and hosts are read\n  hint: did you mean "hosts"?\n');
    assert.match(shown.out, /^RECAP \(2 hosts, 0\.9 s\)$/m);
    assert.ok(
      shown.out.endsWith(
        'PLAN\n  1 host (gw01): hello.socket ListenStream 13063→13064\n  1 host (gw02): in sync\n' +
          'EXPOSURE (systemd-analyze security, as the hosts run the services now)\n  2 hosts (gw01, gw02): hello 1.2 OK\n',
      ),
      shown.out,
    );
  });

  it('the JSON document gains the warnings and the plan, and keeps every name it had', async () => {
    const report = await jsonOf<JsonReport>('plan', planRun);
    assert.deepEqual(report.diagnostics, [skippedKey]);
    assert.deepEqual(report.plan, {
      changes: [{ hosts: ['gw01'], phrases: ['hello.socket ListenStream 13063→13064'] }, { hosts: ['gw02'], phrases: [] }],
      exposure: [{ hosts: ['gw01', 'gw02'], phrases: ['hello 1.2 OK'] }],
    });
    assert.deepEqual(
      { command: report.command, runId: report.runId, playbook: report.playbook, check: report.check, totals: report.totals.hosts },
      { command: 'plan', runId: 'c0ffee', playbook: 'site.yml', check: true, totals: 2 },
    );
    assert.deepEqual(report.hosts.gw02?.services, ['hello', 'echo'], "each host's services come from the run-started event");
  });

  it('JUnit: one testcase per host and service as run-started names them; pending changes fail in check mode', async () => {
    const file = join(dir, 'plan.xml');
    await show([new JunitFileView(file)], planRun);
    const xml = await readFile(file, 'utf8');
    assert.deepEqual([...xml.matchAll(/<testcase classname="([^"]+)" name="([^"]+)"/g)].map((match) => `${match[1]}/${match[2]}`), ['gw01/hello', 'gw02/hello', 'gw02/echo']);
    assert.match(xml, /tests="3" failures="1"/);
  });

  it('events: every event in order, the warning first; the run-started line names each host\'s services', async () => {
    const file = join(dir, 'plan.jsonl');
    await show([new EventsFileView(file)], planRun);
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(lines.map((line) => line.type), ['diagnostics', 'run-started', 'host-step', 'host-finished', 'host-finished', 'run-finished', 'plan-summary']);
    assert.deepEqual(lines[1]?.services, started.services);
  });
});

describe('the idempotence pass', () => {
  const playRun: RunEvent[] = [{ ...started, command: 'play', check: false }, { type: 'run-finished', results: [inSync], interrupted: false, durationMs: 300 }];

  it('a second pass that plans nothing: one line on stdout, idempotent in the JSON', async () => {
    const verdict = idempotence([inSync]);
    const { out, err, text } = streams();
    await show([new PlainView({ out, err })], [...playRun, verdict]);
    const shown = text();
    assert.ok(shown.out.endsWith('idempotent: a second pass would change nothing\n'), shown.out);
    assert.equal(shown.err, '');
    assert.deepEqual((await jsonOf<JsonReport>('idempotent', [...playRun, verdict])).idempotence, { idempotent: true, drifting: [] });
  });

  it('a second pass that would change a host: the host and its changes on stderr and in the JSON', async () => {
    const verdict = idempotence([drifted, inSync]);
    const { out, err, text } = streams();
    await show([new PlainView({ out, err })], [...playRun, verdict]);
    assert.equal(text().err, 'not idempotent: a second pass would still change\n  gw01: hello.socket ListenStream 13063→13064\n');
    assert.deepEqual((await jsonOf<JsonReport>('drifting', [...playRun, verdict])).idempotence, {
      idempotent: false,
      drifting: [{ host: 'gw01', changes: ['hello.socket ListenStream 13063→13064'] }],
    });
  });
});

describe('octoi status in every view', () => {
  it('the table once every host is read, in inventory order, the warning on stderr', async () => {
    const { out, err, text } = streams();
    await show([statusTableView({ out, err })], statusRead);
    const shown = text();
    assert.match(shown.err, /^inv\.yml:2:5: warning: skipping unexpected key "hots"/);
    const lines = shown.out.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^HOST\s+SERVICE\s+ENABLED/);
    assert.match(lines[1] ?? '', /^gw01\s+hello\s+enabled\s+active\s+\*:13063\s+3\s+0\s+0\s+unknown$/);
    assert.deepEqual(lines.slice(2), ['gw02: unreachable: connect ECONNREFUSED 10.0.0.2:22', '2 hosts: 1 ok, 1 unreachable, 0 failed']);
  });

  it('the JSON document is the status report, with the warnings', async () => {
    assert.deepEqual(await jsonOf<StatusReport>('status', statusRead), { hosts: statusEntries, diagnostics: [skippedKey] });
  });

  it('a status report without warnings has no diagnostics field: tools reading it see what they saw', async () => {
    assert.deepEqual(await jsonOf<StatusReport>('status-clean', statusRead.slice(1)), { hosts: statusEntries });
  });

  it('events: each host as it was read', async () => {
    const file = join(dir, 'status.jsonl');
    await show([new EventsFileView(file)], statusRead);
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as { type: string; host?: string; status?: unknown });
    assert.deepEqual(lines.map((line) => `${line.type}${line.host ? ` ${line.host}` : ''}`), ['diagnostics', 'status-started', 'host-status gw02', 'host-status gw01', 'status-finished']);
    assert.deepEqual(lines[2]?.status, statusEntries.gw02);
  });
});

describe('an interrupt in every view', () => {
  const interrupted: RunEvent[] = [
    started,
    { type: 'interrupt', signal: 'SIGINT', graceSeconds: 5 },
    { type: 'host-finished', result: drifted },
    { type: 'run-finished', results: [drifted], interrupted: true, durationMs: 900 },
  ];
  const notice = 'octoi: SIGINT: no new host starts; hosts in progress get 5 s to finish (again to stop now)\n';

  it('plain lines: the notice on stderr as it comes, the recap on stdout says the run was interrupted', async () => {
    const { out, err, text } = streams();
    await show([new PlainView({ out, err })], interrupted);
    const shown = text();
    assert.equal(shown.err, notice);
    assert.match(shown.out, /interrupted/i);
  });

  it('the status table: the notice on stderr', async () => {
    const { out, err, text } = streams();
    await show([statusTableView({ out, err })], [{ type: 'status-started', hosts: ['gw01'] }, { type: 'interrupt', signal: 'SIGTERM', graceSeconds: 5 }]);
    assert.equal(text().err, notice.replace('SIGINT', 'SIGTERM'));
  });

  it('events: the interrupt where it came, with its signal', async () => {
    const file = join(dir, 'interrupted.jsonl');
    await show([new EventsFileView(file)], interrupted);
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as { type: string; signal?: string });
    assert.deepEqual(lines.map((line) => line.type), ['run-started', 'interrupt', 'host-finished', 'run-finished']);
    assert.equal(lines[1]?.signal, 'SIGINT');
  });
});
