import { forEachLimited } from '../concurrency.js';
import type { HostFailure, HostPhase } from '../host/results.js';
import type { HostSession } from '../ssh/session.js';
import { classifyFailure } from './host-failure.js';
import type { SessionPool } from './session-pool.js';

/** How a command's hosts are reached: connections, how many at once, and the interrupt. */
export interface FleetReach {
  sessions: SessionPool;
  forks: number;
  signal?: AbortSignal | undefined;
}

/** What a command does on one host, and the result it records when the host cannot do it. */
export interface HostWork<R> {
  /** Before its connection is asked for. */
  connecting?(host: string): void;
  /** Once connected; what it throws fails the host (after the connection: in the `facts` phase). */
  connected(host: string, session: HostSession, startedAt: number): Promise<R>;
  failed(host: string, outcome: { status: 'failed' | 'unreachable'; failure: HostFailure; phase: HostPhase; durationMs: number }): R;
  /** The run was interrupted before this host started. */
  notStarted(host: string): R;
}

/**
 * The host loop of every command that reaches hosts (play, plan, check, status): up to `forks`
 * hosts at once on the pool's connections, none started once interrupted, and every error
 * classified as `classifyFailure` does. `record` gets each host's result as it ends.
 */
export async function forEachHost<R>(hosts: readonly string[], fleet: FleetReach, work: HostWork<R>, record: (result: R, host: string) => void): Promise<void> {
  await forEachLimited(hosts, fleet.forks, async (host) => record(await oneHost(host, fleet, work), host), {
    ...(fleet.signal ? { signal: fleet.signal } : {}),
    onSkipped: (host) => record(work.notStarted(host), host),
  });
}

async function oneHost<R>(host: string, fleet: FleetReach, work: HostWork<R>): Promise<R> {
  const startedAt = Date.now();
  work.connecting?.(host);
  let phase: HostPhase = 'connect';
  try {
    const session = await fleet.sessions.get(host);
    phase = 'facts';
    return await work.connected(host, session, startedAt);
  } catch (error) {
    return work.failed(host, { ...classifyFailure(error, phase, fleet.signal), phase, durationMs: Date.now() - startedAt });
  }
}
