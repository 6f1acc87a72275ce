import { convergeHost } from '../apply/converge.js';
import { checkHost } from '../apply/check-host.js';
import { servicesOf, type DesiredState } from '../desired/host-services.js';
import type { Play, Playbook } from '../config/types.js';
import type { Inventory } from '../inventory/index.js';
import { selectHosts } from '../inventory/pattern.js';
import type { HostSession, SessionCounters } from '../ssh/session.js';
import type { DesiredService } from '../units/types.js';
import { batches, budgetExceeded } from './batches.js';
import { forEachHost, type HostWork } from './fleet.js';
import { unlessInterrupted } from './host-failure.js';
import { mergeHostResults } from './results.js';
import type { SessionPool } from './session-pool.js';
import type { HostResult, HostStatus, ReportedCommand, RunEventListener, Shard } from './types.js';
import type { FailureReason, HostStep } from '../host/results.js';

export interface PlayTarget {
  play: Play;
  /** Inventory host names, in inventory order. */
  hosts: string[];
}

/**
 * Every play's hosts, resolved before anything connects, so a pattern error touches no host.
 * `limit` patterns narrow every play.
 */
export function targetPlays(playbook: Playbook, inventory: Inventory, limit: readonly string[]): PlayTarget[] {
  return playbook.plays.map((play) => ({ play, hosts: selectHosts(inventory, play.hosts, limit) }));
}

interface RunOptions {
  /** What the run is reported as; a sharded run's parts share `runId`. */
  command: ReportedCommand;
  runId: string;
  shard?: Shard | undefined;
  playbookFile: string;
  plays: PlayTarget[];
  /** Each play's services for each of its hosts (`desiredStateByHost`): variables make them differ by host. */
  desired: DesiredState;
  /** How many hosts are worked on at once. */
  forks: number;
  /** Change nothing; report what would change. */
  check: boolean;
  /** Only run the services' checks (`octoi check`): read-only, no lock. */
  checksOnly?: boolean;
  /** Report before and after of every changed file. */
  diff: boolean;
  /** Read each service's exposure score on its hosts (`octoi plan`). */
  exposure?: boolean;
  /** How long a host may be held by another octoi run before it fails. */
  lockWaitSeconds: number;
  /** Bounds each remote request. */
  commandTimeoutMs?: number;
  /**
   * Put the previous version back on a host whose change fails, arming a dead-man switch that does
   * so unless confirmed within `windowSeconds` (null: none); null keeps failed changes. A play's
   * `rollback: false` turns it off for that play.
   */
  rollback: { windowSeconds: number | null } | null;
  /** Connections, owned by the caller (a second pass may reuse them). */
  sessions: SessionPool;
  onEvent: RunEventListener;
  signal?: AbortSignal;
  /** When the run's clock starts (ms since the epoch); by default now. The command line passes its process start, so the time reported includes start-up. */
  startedAt?: number;
}

export interface RunSummary {
  /** One result per targeted host, in inventory order, merged over the plays. */
  results: HostResult[];
  interrupted: boolean;
  /** Why the rollout stopped early, when a failure budget ran out. */
  stoppedBy?: string;
}

/**
 * Plays run one after the other, like Ansible's; a play's hosts run in rolling batches (`serial`),
 * within a batch concurrently up to `forks`, each on its own connection kept for the whole run.
 * A host that failed or could not be reached is left out of the plays after it; the others carry
 * on unless a failure budget runs out, which stops the rollout before the next batch.
 */
export async function runPlaybook(options: RunOptions): Promise<RunSummary> {
  const started = options.startedAt ?? Date.now();
  const allHosts = [...new Set(options.plays.flatMap((target) => target.hosts))];
  options.onEvent({
    type: 'run-started', command: options.command, runId: options.runId, ...(options.shard ? { shard: options.shard } : {}),
    playbook: options.playbookFile, hosts: allHosts, check: options.check, services: serviceNamesByHost(options.plays, options.desired),
  });

  const resultsByHost = new Map<string, HostResult[]>();
  const record = (result: HostResult): void => {
    resultsByHost.set(result.host, [...(resultsByHost.get(result.host) ?? []), result]);
    options.onEvent({ type: 'host-finished', result });
  };
  const isDown = (host: string): boolean => (resultsByHost.get(host) ?? []).some((result) => isFailure(result.status));
  const failedInRun = (): number => allHosts.filter(isDown).length;
  let stoppedBy: string | undefined;

  for (const [playIndex, { play, hosts }] of options.plays.entries()) {
    const live = hosts.filter((host) => !isDown(host));
    if (stoppedBy) {
      for (const host of live) record(skipped(host, 'budget-exceeded', `not touched: the rollout stopped (${stoppedBy})`));
      continue;
    }
    options.onEvent({ type: 'play-started', play: play.name, hosts: live });
    const rollout = batches(live, play.serial);
    for (const [index, batch] of rollout.entries()) {
      await forEachHost(batch, { sessions: options.sessions, forks: options.forks, signal: options.signal }, hostWork(playIndex, play, options), record);
      const failed = batch.filter(isDown).length;
      stoppedBy = budgetExceeded(play, { size: batch.length, failed }, failedInRun()) ?? undefined;
      // As Ansible's: with no budget set, a batch whose every host failed ends the rollout.
      const unbudgeted = play.maxFailPercentage === undefined && play.maxFailures === undefined;
      if (!stoppedBy && unbudgeted && failed === batch.length && index < rollout.length - 1) stoppedBy = `all ${failed} hosts of batch ${index + 1} failed`;
      if (stoppedBy) {
        for (const host of rollout.slice(index + 1).flat()) record(skipped(host, 'budget-exceeded', `not touched: the rollout stopped (${stoppedBy})`));
        break;
      }
    }
  }

  const results = allHosts.map((host) => mergeHostResults(host, resultsByHost.get(host) ?? []));
  const interrupted = options.signal?.aborted ?? false;
  options.onEvent({ type: 'run-finished', results, interrupted, durationMs: Date.now() - started, ...(stoppedBy ? { stoppedBy } : {}) });
  return { results, interrupted, ...(stoppedBy ? { stoppedBy } : {}) };
}

/** Each host's services over all plays that target it, by name. */
function serviceNamesByHost(plays: readonly PlayTarget[], desired: DesiredState): Record<string, string[]> {
  const names = new Map<string, Set<string>>();
  for (const [index, { hosts }] of plays.entries()) {
    for (const host of hosts) names.set(host, new Set([...(names.get(host) ?? []), ...servicesOf(desired, index, host).map((service) => service.name)]));
  }
  return Object.fromEntries([...names].map(([host, services]) => [host, [...services]]));
}

function hostWork(playIndex: number, play: Play, options: RunOptions): HostWork<HostResult> {
  return {
    connecting: (host) => options.onEvent({ type: 'host-step', host, step: 'connecting' }),
    connected: (host, session, startedAt) => runHost(host, session, startedAt, servicesOf(options.desired, playIndex, host), play, options),
    failed: (host, { status, failure, phase, durationMs }) => ({ host, status, phase, actions: [], changes: [], problems: [], error: failure, execs: 0, uploads: 0, durationMs }),
    notStarted: (host) => skipped(host, 'interrupted', 'not touched: the run was interrupted before this host started'),
  };
}

async function runHost(host: string, session: HostSession, started: number, services: DesiredService[], play: Play, options: RunOptions): Promise<HostResult> {
  const onStep = (step: HostStep): void => options.onEvent({ type: 'host-step', host, step });
  const before = { ...session.counters };
  const outcome = options.checksOnly ? await checkHost(session, services, onStep) : await convergeHost(session, services, {
    check: options.check, diff: options.diff, exposure: options.exposure ?? false, onStep, lockWaitSeconds: options.lockWaitSeconds,
    rollback: play.rollback === false ? null : options.rollback,
    ...(options.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: options.commandTimeoutMs }),
  });
  const changed = outcome.actions.some((action) => action.outcome === 'done' || action.outcome === 'planned');
  const status: HostStatus = outcome.error ? 'failed' : changed ? 'changed' : 'ok';
  const error = unlessInterrupted(outcome.error, options.signal);
  return { host, status, ...outcome, ...(error ? { error } : {}), ...countersSince(before, session.counters), durationMs: Date.now() - started };
}

function countersSince(before: SessionCounters, now: SessionCounters): SessionCounters {
  return { execs: now.execs - before.execs, uploads: now.uploads - before.uploads };
}

function skipped(host: string, reason: FailureReason, message: string): HostResult {
  return { host, status: 'skipped', phase: 'connect', actions: [], changes: [], problems: [], error: { reason, message }, execs: 0, uploads: 0, durationMs: 0 };
}

function isFailure(status: HostStatus): boolean {
  return status === 'failed' || status === 'unreachable';
}
