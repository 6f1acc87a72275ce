import { convergeHost, FactsError } from '../apply/converge.js';
import type { Play, Playbook } from '../config/types.js';
import { OctoiError } from '../diagnostics.js';
import type { Inventory } from '../inventory/index.js';
import { selectHosts } from '../inventory/pattern.js';
import { SshError, type SshFailureReason } from '../ssh/errors.js';
import { desiredService } from '../units/render.js';
import type { DesiredService } from '../units/types.js';
import { forEachLimited } from './concurrency.js';
import { mergeHostResults } from './results.js';
import type { SessionPool } from './session-pool.js';
import type { FailureReason, HostFailure, HostResult, HostStatus, HostStep, RunEventListener } from './types.js';

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

export interface RunOptions {
  playbookFile: string;
  plays: PlayTarget[];
  /** How many hosts are worked on at once. */
  forks: number;
  check: boolean;
  sessions: SessionPool;
  onEvent: RunEventListener;
  signal?: AbortSignal;
}

export interface RunSummary {
  /** One result per targeted host, in inventory order, merged over the plays. */
  results: HostResult[];
  interrupted: boolean;
}

/**
 * Plays run one after the other, like Ansible's; within a play hosts run concurrently up to
 * `forks`, each on its own connection kept for the whole run. A host that failed or could not
 * be reached is left out of the plays after it; the others carry on.
 */
export async function runPlaybook(options: RunOptions): Promise<RunSummary> {
  const started = Date.now();
  const allHosts = [...new Set(options.plays.flatMap((target) => target.hosts))];
  options.onEvent({ type: 'run-started', playbook: options.playbookFile, hosts: allHosts, check: options.check });

  const resultsByHost = new Map<string, HostResult[]>();
  const record = (result: HostResult): void => {
    resultsByHost.set(result.host, [...(resultsByHost.get(result.host) ?? []), result]);
    options.onEvent({ type: 'host-finished', result });
  };
  const isDown = (host: string): boolean =>
    (resultsByHost.get(host) ?? []).some((result) => result.status === 'failed' || result.status === 'unreachable');

  try {
    for (const { play, hosts } of options.plays) {
      const services = play.services.map(desiredService);
      const live = hosts.filter((host) => !isDown(host));
      options.onEvent({ type: 'play-started', play: play.name, hosts: live });
      await forEachLimited(
        live,
        options.forks,
        async (host) => record(await runHost(host, services, options)),
        { signal: options.signal, onSkipped: (host) => record(skipped(host, 'interrupted', 'the run was interrupted before this host started')) },
      );
    }
  } finally {
    await options.sessions.closeAll();
  }

  const results = allHosts.map((host) => mergeHostResults(host, resultsByHost.get(host) ?? []));
  const interrupted = options.signal?.aborted ?? false;
  options.onEvent({ type: 'run-finished', results, interrupted, durationMs: Date.now() - started });
  return { results, interrupted };
}

async function runHost(host: string, services: DesiredService[], options: RunOptions): Promise<HostResult> {
  const started = Date.now();
  const onStep = (step: HostStep): void => options.onEvent({ type: 'host-step', host, step });
  let counters = { execs: 0, uploads: 0 };
  try {
    onStep('connecting');
    const session = await options.sessions.get(host);
    const before = { ...session.counters };
    try {
      const outcome = await convergeHost(session, services, { check: options.check, onStep });
      const changed = outcome.actions.some((action) => action.outcome === 'done' || action.outcome === 'planned');
      const status: HostStatus = outcome.error ? 'failed' : changed ? 'changed' : 'ok';
      return { host, status, ...outcome, ...countersSince(before, session.counters), durationMs: Date.now() - started };
    } finally {
      counters = countersSince(before, session.counters);
    }
  } catch (error) {
    const failure = failureOf(error, options.signal);
    const status: HostStatus = isUnreachable(failure.reason) ? 'unreachable' : 'failed';
    return { host, status, actions: [], problems: [], error: failure, ...counters, durationMs: Date.now() - started };
  }
}

function countersSince(before: { execs: number; uploads: number }, now: { execs: number; uploads: number }) {
  return { execs: now.execs - before.execs, uploads: now.uploads - before.uploads };
}

function skipped(host: string, reason: FailureReason, message: string): HostResult {
  return { host, status: 'skipped', actions: [], problems: [], error: { reason, message }, execs: 0, uploads: 0, durationMs: 0 };
}

function isUnreachable(reason: FailureReason): boolean {
  return reason === 'unreachable' || reason === 'timeout' || reason === 'auth' || reason === 'host-key' || reason === 'connection-lost';
}

function failureOf(error: unknown, signal: AbortSignal | undefined): HostFailure {
  if (signal?.aborted) return { reason: 'interrupted', message: 'the run was interrupted while this host was in progress' };
  if (error instanceof SshError) {
    return { reason: failureReasonOf[error.reason], message: error.diagnostic.message, ...(error.diagnostic.hint ? { hint: error.diagnostic.hint } : {}) };
  }
  if (error instanceof FactsError) return { reason: 'command-failed', message: error.message };
  if (error instanceof OctoiError) return { reason: 'internal', message: error.message };
  return { reason: 'internal', message: `unexpected error: ${(error as Error)?.stack ?? String(error)}` };
}

const failureReasonOf: Record<SshFailureReason, FailureReason> = {
  unreachable: 'unreachable',
  timeout: 'timeout',
  auth: 'auth',
  'host-key-unknown': 'host-key',
  'host-key-changed': 'host-key',
  'host-key-revoked': 'host-key',
  'connection-lost': 'connection-lost',
  'disk-full': 'disk-full',
  'sftp-failed': 'command-failed',
  interrupted: 'interrupted',
};
