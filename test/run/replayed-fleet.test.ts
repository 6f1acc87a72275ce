/**
 * The fleet run over hosts that answer as a real lab host answered (test/helpers/replay-session.ts):
 * a fresh host changes, a converged one is in sync, one whose new port is taken fails its restart
 * and is rolled back, and rolling batches stop where their failure budget runs out. No root, no sshd.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { resolveTargets } from '../../lib/run/targets.js';
import type { BatchSize } from '../../lib/config/types.js';
import { prepareRun } from '../../lib/run/prepare.js';
import { runPlaybook, type RunSummary } from '../../lib/run/run-playbook.js';
import type { HostStep } from '../../lib/host/results.js';
import type { HostResult, RunEvent } from '../../lib/run/types.js';
import { ReplayPool, readTranscript, sessionFixtures } from '../helpers/replay-session.js';

const transcripts = {
  fresh: readTranscript('fresh-host'),
  converged: readTranscript('converged-host'),
  failing: readTranscript('apply-fails'),
};
const transcriptOf = {
  fresh1: transcripts.fresh, fresh2: transcripts.fresh, fresh3: transcripts.fresh,
  insync1: transcripts.converged,
  broken1: transcripts.failing, broken2: transcripts.failing,
};

interface Rollout {
  serial?: BatchSize[];
  maxFailPercentage?: number;
}

interface ReplayedRun {
  summary: RunSummary;
  events: RunEvent[];
  pool: ReplayPool;
  result: (host: string) => HostResult;
}

/** `octoi play` of the captured playbook on the hosts `limit` names, with `rollout` as its play's serial and budget. */
async function replayedRun(limit: string, rollout: Rollout = {}, options: { forks?: number; abortAfterFirst?: boolean } = {}): Promise<ReplayedRun> {
  const prepared = await prepareRun({ playbookFile: join(sessionFixtures, 'playbook.yml'), inventories: [join(sessionFixtures, 'fleet.yml')], limit: [limit], extraVars: [] });
  const pool = new ReplayPool(await resolveTargets(prepared.inventory, prepared.hosts, { sshConfig: '/dev/null' }), transcriptOf);
  const events: RunEvent[] = [];
  const controller = new AbortController();
  const summary = await runPlaybook({
    command: 'play',
    runId: prepared.runId,
    playbookFile: prepared.playbook.file,
    plays: prepared.plays.map((target) => ({ ...target, play: { ...target.play, ...rollout } })),
    desired: prepared.desired,
    forks: options.forks ?? 1,
    check: false,
    diff: false,
    lockWaitSeconds: 30,
    rollback: { windowSeconds: 300 },
    sessions: pool,
    signal: controller.signal,
    onEvent: (event) => {
      events.push(event);
      if (options.abortAfterFirst && event.type === 'host-finished') controller.abort();
    },
  });
  const result = (host: string): HostResult => {
    const found = summary.results.find((candidate) => candidate.host === host);
    assert.ok(found, `no result for ${host}`);
    return found;
  };
  return { summary, events, pool, result };
}

function stepsOf(events: RunEvent[], host: string): HostStep[] {
  return events.flatMap((event) => (event.type === 'host-step' && event.host === host ? [event.step] : []));
}

/** Every replayed host asked for exactly what the captured run asked for, in order. */
function assertFollowedTheCapture(pool: ReplayPool): void {
  for (const [host, session] of pool.sessions) {
    assert.deepEqual(session.offScript, [], `${host} asked for what the captured host was never asked`);
    assert.deepEqual(session.unanswered().map((exchange) => exchange.call), [], `${host} stopped before the captured run did`);
  }
}

const outcomes = (result: HostResult): string[] => result.actions.map((action) => `${action.action.kind} ${action.outcome}`);

describe('a fleet of replayed hosts', () => {
  it('in one batch: the fresh host changes, the converged one is in sync, the failing one is rolled back, the refused one fails alone', async () => {
    const { summary, events, pool, result } = await replayedRun('fresh1:insync1:broken1:refused', {}, { forks: 4 });
    assertFollowedTheCapture(pool);
    assert.deepEqual([...pool.sessions.keys()].sort(), ['broken1', 'fresh1', 'insync1']);
    assert.deepEqual(summary.results.map((each) => [each.host, each.status]), [['fresh1', 'changed'], ['insync1', 'ok'], ['broken1', 'failed'], ['refused', 'failed']]);

    const fresh = result('fresh1');
    assert.equal(fresh.phase, 'verify');
    assert.equal(fresh.error, undefined);
    assert.ok(fresh.actions.length > 0 && fresh.actions.every((action) => action.outcome === 'done'), outcomes(fresh).join(', '));
    assert.deepEqual(fresh.problems, []);
    // One shell for the whole converge, the three files written through it.
    assert.deepEqual([fresh.execs, fresh.uploads], [1, 3]);
    assert.deepEqual(stepsOf(events, 'fresh1'), ['connecting', 'reading facts', 'uploading', 'applying', 'verifying']);

    const inSync = result('insync1');
    assert.deepEqual([inSync.actions, inSync.changes, inSync.problems, inSync.error], [[], [], [], undefined]);
    assert.deepEqual([inSync.execs, inSync.uploads], [1, 0]);
    assert.deepEqual(stepsOf(events, 'insync1'), ['connecting', 'reading facts', 'verifying']);

    const broken = result('broken1');
    assert.equal(broken.phase, 'apply');
    assert.equal(broken.error?.reason, 'unit-failed');
    assert.equal(broken.rollback, 'rolled-back');
    assert.match(broken.error?.message ?? '', /^± restart octoi-replayed\.socket \(socket unit changed; not listening on \*:15302\) failed: Job failed\. See "journalctl -xe" for details\.; rolled back to the previous version$/);
    assert.deepEqual(outcomes(broken), ['write-file done', 'write-file done', 'daemon-reload done', 'restart-socket failed']);
    assert.deepEqual(broken.changes, ['octoi-replayed.socket changed', 'octoi-replayed.sh script drift']);

    const refused = result('refused');
    assert.equal(refused.error?.reason, 'refused');
    assert.match(refused.error?.message ?? '', /ansible_connection is local/);
    assert.deepEqual(stepsOf(events, 'refused'), ['connecting']);

    const finished = events.filter((event) => event.type === 'host-finished').map((event) => event.result.host).sort();
    assert.deepEqual(finished, ['broken1', 'fresh1', 'insync1', 'refused']);
    const [first, last] = [events[0], events.at(-1)];
    const hosts = ['fresh1', 'insync1', 'broken1', 'refused'];
    assert.equal(first?.type, 'run-started');
    assert.deepEqual(first.type === 'run-started' ? [first.command, first.playbook, first.hosts, first.check, first.services] : [],
      ['play', join(sessionFixtures, 'playbook.yml'), hosts, false, Object.fromEntries(hosts.map((host) => [host, ['octoi-replayed']]))]);
    assert.equal(last?.type, 'run-finished');
    assert.deepEqual(last.type === 'run-finished' ? [last.results, last.interrupted, last.stoppedBy] : [], [summary.results, false, undefined]);
  });

  it('rolling batches of two with max_fail_percentage 0 stop after the batch a host failed in; the next batch is never touched', async () => {
    const { summary, events, pool, result } = await replayedRun('fresh1:insync1:broken1:fresh2:fresh3', { serial: [{ kind: 'count', count: 2 }], maxFailPercentage: 0 });
    assertFollowedTheCapture(pool);
    assert.deepEqual(summary.results.map((each) => [each.host, each.status]), [['fresh1', 'changed'], ['insync1', 'ok'], ['broken1', 'failed'], ['fresh2', 'changed'], ['fresh3', 'skipped']]);
    assert.equal(summary.stoppedBy, '1 of 2 hosts in the batch failed (50%), more than max_fail_percentage 0%');
    assert.deepEqual(result('fresh3').error, { reason: 'budget-exceeded', message: `not touched: the rollout stopped (${summary.stoppedBy})` });
    assert.ok(!pool.sessions.has('fresh3'));
    assert.deepEqual(stepsOf(events, 'fresh3'), []);
  });

  it('a failure within max_fail_percentage lets the rollout go on to the last batch', async () => {
    const { summary, pool } = await replayedRun('fresh1:insync1:broken1:fresh2:fresh3', { serial: [{ kind: 'count', count: 2 }], maxFailPercentage: 50 });
    assertFollowedTheCapture(pool);
    assert.equal(summary.stoppedBy, undefined);
    assert.deepEqual(summary.results.map((each) => [each.host, each.status]), [['fresh1', 'changed'], ['insync1', 'ok'], ['broken1', 'failed'], ['fresh2', 'changed'], ['fresh3', 'changed']]);
  });

  it('without a budget, a batch whose every host failed ends the rollout, as Ansible ends it', async () => {
    const { summary, pool, result } = await replayedRun('fresh1:broken1:broken2:fresh3', { serial: [{ kind: 'count', count: 1 }, { kind: 'count', count: 2 }] });
    assertFollowedTheCapture(pool);
    assert.equal(summary.stoppedBy, 'all 2 hosts of batch 2 failed');
    assert.deepEqual(summary.results.map((each) => [each.host, each.status]), [['fresh1', 'changed'], ['broken1', 'failed'], ['broken2', 'failed'], ['fresh3', 'skipped']]);
    assert.equal(result('fresh3').error?.reason, 'budget-exceeded');
  });

  it('an interrupted run finishes the host in progress and starts no other', async () => {
    const { summary, pool, result } = await replayedRun('fresh1:fresh2:fresh3', {}, { abortAfterFirst: true });
    assertFollowedTheCapture(pool);
    assert.equal(summary.interrupted, true);
    assert.deepEqual(summary.results.map((each) => [each.host, each.status]), [['fresh1', 'changed'], ['fresh2', 'skipped'], ['fresh3', 'skipped']]);
    assert.deepEqual(result('fresh2').error, { reason: 'interrupted', message: 'not touched: the run was interrupted before this host started' });
    assert.deepEqual([...pool.sessions.keys()], ['fresh1']);
  });
});
