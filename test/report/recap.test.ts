import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exitCodeOfRun } from '../../lib/cli/exit.js';
import { ExitCode } from '../../lib/exit-codes.js';
import { hostResultLines } from '../../lib/report/host-lines.js';
import { jsonReport } from '../../lib/report/json.js';
import { formatRecap } from '../../lib/report/recap.js';
import { mergeHostResults } from '../../lib/run/results.js';
import type { HostResult } from '../../lib/run/types.js';

const changed: HostResult = {
  host: 'gw01',
  phase: 'verify',
  status: 'changed',
  actions: [
    {
      action: { kind: 'write-file', path: '/opt/x/x.sh', content: '#!/bin/sh\n', mode: 0o755, change: 'update', service: 'x' },
      outcome: 'done',
      description: '~ update /opt/x/x.sh',
    },
  ],
  changes: ['x.sh script drift'],
  problems: [],
  execs: 2,
  uploads: 1,
  durationMs: 812,
};
const inSync: HostResult = { host: 'gw02', status: 'ok', phase: 'verify', actions: [], changes: [], problems: [], execs: 1, uploads: 0, durationMs: 301 };
const unreachable: HostResult = {
  host: 'gateway-long-name',
  status: 'unreachable',
  phase: 'connect',
  actions: [],
  changes: [],
  problems: [],
  error: { reason: 'unreachable', message: 'connect ECONNREFUSED 10.0.0.3:22', hint: 'is sshd running?' },
  execs: 0,
  uploads: 0,
  durationMs: 12,
};

describe('recap', () => {
  it('prints one aligned line per host and the totals', () => {
    assert.equal(
      formatRecap([changed, inSync, unreachable], 2345, false),
      [
        'RECAP (3 hosts, 2.3 s)',
        '  gw01               changed      1 change, 2 commands, 1 upload, 0.8 s',
        '  gw02               ok           in sync, 1 command, 0 uploads, 0.3 s',
        '  gateway-long-name  unreachable  connect ECONNREFUSED 10.0.0.3:22',
        'totals: 1 ok, 1 changed, 0 failed, 1 unreachable',
      ].join('\n'),
    );
  });

  it('says when the run was interrupted and counts skipped hosts', () => {
    const skipped: HostResult = { ...inSync, host: 'gw03', status: 'skipped', error: { reason: 'interrupted', message: 'not started' } };
    const recap = formatRecap([inSync, skipped], 100, true);
    assert.match(recap, /^RECAP \(2 hosts, 0\.1 s\) — interrupted$/m);
    assert.match(recap, /^totals: 1 ok, 0 changed, 0 failed, 0 unreachable, 1 skipped$/m);
  });

  it('lists what a host did, each line naming the host', () => {
    assert.deepEqual(hostResultLines(changed), ['gw01: changed: 1 change, 2 commands, 1 upload, 0.8 s', 'gw01:   ~ update /opt/x/x.sh']);
    assert.deepEqual(hostResultLines(unreachable), [
      'gateway-long-name: unreachable: connect ECONNREFUSED 10.0.0.3:22',
      'gateway-long-name:   hint: is sshd running?',
    ]);
  });
});

describe('JSON report', () => {
  it('keeps the documented names and counts', () => {
    const hosts = [changed, inSync, unreachable].map((result) => result.host);
    const started = {
      type: 'run-started', command: 'play', runId: 'f00d', shard: { index: 2, count: 3 }, playbook: 'playbooks/x.yml', hosts, check: false,
      services: Object.fromEntries(hosts.map((host) => [host, ['x']])),
    } as const;
    const report = jsonReport(started, {
      type: 'run-finished',
      results: [changed, inSync, unreachable],
      interrupted: false,
      durationMs: 2345,
    });
    assert.deepEqual(report.hosts.gw01, {
      status: 'changed',
      phase: 'verify',
      changed: 1,
      failed: 0,
      unreachable: false,
      actions: [{ kind: 'write-file', service: 'x', description: '~ update /opt/x/x.sh', outcome: 'done' }],
      problems: [],
      services: ['x'],
      execs: 2,
      uploads: 1,
      durationMs: 812,
    });
    assert.deepEqual([report.command, report.runId, report.shard], ['play', 'f00d', { index: 2, count: 3 }]);
    assert.equal(report.hosts['gateway-long-name']?.unreachable, true);
    assert.deepEqual(report.hosts['gateway-long-name']?.error, { reason: 'unreachable', message: 'connect ECONNREFUSED 10.0.0.3:22' });
    assert.deepEqual(report.totals, { hosts: 3, ok: 1, changed: 1, failed: 0, unreachable: 1, skipped: 0, actions: 1, execs: 3, uploads: 1 });
  });
});

describe('results over several plays', () => {
  it('takes the worst status and adds up the work', () => {
    const merged = mergeHostResults('gw01', [changed, { ...inSync, host: 'gw01' }]);
    assert.equal(merged.status, 'changed');
    assert.equal(merged.execs, 3);
    assert.equal(merged.uploads, 1);
    assert.equal(merged.actions.length, 1);
    const failed = mergeHostResults('gw01', [changed, { ...inSync, host: 'gw01', status: 'failed', error: { reason: 'verify-failed', message: 'x' } }]);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error?.reason, 'verify-failed');
  });
});

describe('exit code of a run', () => {
  it('puts interruption before failures before unreachable hosts', () => {
    assert.equal(exitCodeOfRun([changed, inSync], false), ExitCode.ok);
    assert.equal(exitCodeOfRun([changed, unreachable], false), ExitCode.hostsUnreachable);
    assert.equal(exitCodeOfRun([{ ...changed, status: 'failed' }, unreachable], false), ExitCode.hostsFailed);
    assert.equal(exitCodeOfRun([changed], true), ExitCode.interrupted);
  });
});
