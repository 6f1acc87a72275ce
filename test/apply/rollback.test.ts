import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { armScript, confirmChangeScript, rollbackNowScript, switchUnit, takeOverScript } from '../../lib/apply/rollback.js';
import { STEP_FUNCTIONS, stepsScript, uploadScript } from '../../lib/apply/script.js';
import { parseProbe } from '../../lib/facts/parse-probe.js';
import { PROBE_FUNCTIONS, probeScript } from '../../lib/facts/probe.js';
import { journalDirectory, ownedRecord, pendingRecord } from '../../lib/host-layout.js';
import { planHost } from '../../lib/plan/plan.js';
import type { DesiredService } from '../../lib/units/types.js';
import { helloService, makeShellHost, type ShellHost } from '../facts/shell-host.js';

function hostScript(script: string): string {
  return `${PROBE_FUNCTIONS}${STEP_FUNCTIONS}${script}`;
}

/** Reads the host, plans, arms the rollback (when asked), and uploads and applies every step as octoi does. */
function converge(host: ShellHost, desired: DesiredService, token: string, arm: boolean): { output: string; facts: ReturnType<typeof parseProbe> } {
  const facts = parseProbe(host.run(probeScript([desired], { layout: host.layout })).stdout);
  const plan = planHost([desired], facts);
  assert.deepEqual(plan.refusals, []);
  let output = '';
  if (arm) {
    const armed = host.run(hostScript(armScript(plan.actions, facts, { runToken: token, windowSeconds: 60, layout: host.layout })));
    assert.equal(armed.status, 0, armed.stderr);
    output = armed.stdout;
  }
  const options = { runToken: token, layout: host.layout };
  const folders = plan.actions.filter((action) => action.kind === 'create-directory').length;
  const applied = host.run(hostScript([
    stepsScript(plan.actions.slice(0, folders), 0, plan.actions, options),
    uploadScript(plan.actions, options),
    stepsScript(plan.actions.slice(folders), folders, plan.actions, options),
  ].join('')));
  assert.equal(applied.status, 0, applied.stderr);
  return { output, facts };
}

function snapshot(paths: readonly string[]): Record<string, string | null> {
  const state = (path: string): string | null => {
    if (!existsSync(path)) return null;
    const stat = statSync(path);
    return `${(stat.mode & 0o7777).toString(8)} ${stat.isDirectory() ? 'folder' : readFileSync(path, 'utf8')}`;
  };
  return Object.fromEntries(paths.map((path) => [path, state(path)]));
}

describe('rollback on the host, run by /bin/sh', () => {
  let host: ShellHost;
  let unitDir: string;
  let desired: DesiredService;
  let records: string[];
  before(() => {
    host = makeShellHost();
    unitDir = join(host.root, 'etc', 'systemd', 'system');
    mkdirSync(unitDir, { recursive: true });
    mkdirSync(join(host.root, 'opt'));
    desired = helloService(unitDir, join(host.root, 'opt', 'hello'));
    records = [ownedRecord(host.layout), pendingRecord(host.layout)];
    host.shadowCommand('systemd-run', `printf '%s\\n' "$*" >> "$OCTOI_TEST_SYSTEMCTL/systemd-run"\n`);
  });
  after(() => host.cleanup());

  it('a first deploy rolled back leaves nothing: no file, no folder, no record, the socket disabled', () => {
    const paths = [...desired.files.map((file) => file.path), join(host.root, 'opt', 'hello'), ...records];
    const empty = snapshot(paths);
    const { output } = converge(host, desired, 'aaa111', true);
    assert.match(output, /^::octoi:: armed$/m);
    assert.match(readFileSync(join(host.root, '..', 'systemctl', 'systemd-run'), 'utf8'), new RegExp(`--unit=${switchUnit('aaa111')} --on-active=60s .* -- /bin/sh ${journalDirectory(host.layout, 'aaa111')}/rollback timer`));
    assert.notDeepEqual(snapshot(paths), empty, 'the change was made');

    const rolled = host.run(hostScript(rollbackNowScript('aaa111', host.layout)));
    assert.match(rolled.stdout, /^::octoi:: rolled-back$/m, rolled.stdout + rolled.stderr);
    assert.deepEqual(snapshot(paths), empty);
    assert.equal(existsSync(journalDirectory(host.layout, 'aaa111')), false, 'the journal is gone');
    const calls = host.systemctlCalls().filter((call) => !call.startsWith('show '));
    assert.ok(calls.includes('disable --no-reload --now -- hello.socket'), calls.join('\n'));
    assert.equal(calls.at(-3), 'daemon-reload');
  });

  it('a change rolled back puts every file back byte for byte, with its mode, and the records as they were', () => {
    converge(host, desired, 'bbb222', false);
    const paths = [...desired.files.map((file) => file.path), ...records];
    const old = snapshot(paths);
    const changed: DesiredService = {
      ...desired,
      files: desired.files.map((file) => (file.role === 'script' ? { ...file, content: '#!/bin/sh\necho new\n', mode: 0o700 } : file.role === 'socket' ? { ...file, content: '[Socket]\nListenStream=13064\n' } : file)),
    };
    converge(host, changed, 'ccc333', true);
    assert.notDeepEqual(snapshot(paths), old);
    const rolled = host.run(hostScript(rollbackNowScript('ccc333', host.layout)));
    assert.match(rolled.stdout, /^::octoi:: rolled-back$/m, rolled.stderr);
    assert.deepEqual(snapshot(paths), old);
  });

  it('the switch takes the lock, leaves a note for the next run, and does nothing once the run confirmed', () => {
    const changed: DesiredService = { ...desired, files: desired.files.map((file) => (file.role === 'script' ? { ...file, content: '#!/bin/sh\necho switch\n' } : file)) };
    const paths = desired.files.map((file) => file.path);
    const old = snapshot(paths);
    converge(host, changed, 'ddd444', true);
    const fired = host.run(`/bin/sh ${journalDirectory(host.layout, 'ddd444')}/rollback timer`);
    assert.equal(fired.status, 0, fired.stderr);
    assert.deepEqual(snapshot(paths), old);
    const facts = parseProbe(host.run(probeScript([desired], { layout: host.layout })).stdout);
    assert.deepEqual(facts.switchRollbacks?.map((note) => note.runToken), ['ddd444']);
    assert.deepEqual(facts.armedChanges ?? [], [], 'the armed line went with the restored record');
    host.run(hostScript(takeOverScript([], facts.switchRollbacks?.map((note) => note.line) ?? [], host.layout)));
    assert.deepEqual(parseProbe(host.run(probeScript([desired], { layout: host.layout })).stdout).switchRollbacks ?? [], [], 'the note is cleared once reported');

    converge(host, changed, 'eee555', true);
    const changedFiles = snapshot(paths);
    const script = readFileSync(join(journalDirectory(host.layout, 'eee555'), 'rollback'), 'utf8');
    host.run(hostScript(confirmChangeScript('eee555', host.layout)));
    assert.equal(existsSync(journalDirectory(host.layout, 'eee555')), false);
    const late = join(host.root, 'late-rollback');
    writeFileSync(late, script);
    assert.equal(host.run(`/bin/sh ${late} timer`).status, 0);
    assert.deepEqual(snapshot(paths), changedFiles, 'a confirmed change stays');
    rmSync(late);
  });

  it('a run that finds a change never confirmed stops its switch and takes over', () => {
    const changed: DesiredService = { ...desired, files: desired.files.map((file) => (file.role === 'script' ? { ...file, content: '#!/bin/sh\necho orphan\n' } : file)) };
    converge(host, changed, 'fff666', true);
    const facts = parseProbe(host.run(probeScript([desired], { layout: host.layout })).stdout);
    assert.deepEqual(facts.armedChanges, ['fff666']);
    host.run(hostScript(takeOverScript(facts.armedChanges ?? [], [], host.layout)));
    assert.equal(existsSync(journalDirectory(host.layout, 'fff666')), false);
    assert.ok(host.systemctlCalls().includes(`stop -- ${switchUnit('fff666')}.timer ${switchUnit('fff666')}.service`));
    assert.deepEqual(parseProbe(host.run(probeScript([desired], { layout: host.layout })).stdout).armedChanges ?? [], []);
  });
});
