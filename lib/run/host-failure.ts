import { failureOf } from '../host/failure.js';
import { HostRefusedError } from './session-pool.js';
import type { HostFailure, HostPhase } from '../host/results.js';

const INTERRUPTED: HostFailure = { reason: 'interrupted', message: 'the run was interrupted while this host was in progress' };

/**
 * The one classification of every command that reaches hosts (play, plan, status): a host that
 * could not be connected to or logged in on is unreachable; once logged in, anything that goes
 * wrong (the link lost, a timeout, facts unreadable, sudo refusing) fails it. An interrupt closes
 * connections: what that looks like on a host is not the host's fault.
 */
export function classifyFailure(error: unknown, phase: HostPhase, signal?: AbortSignal): { status: 'failed' | 'unreachable'; failure: HostFailure } {
  const failure = signal?.aborted ? INTERRUPTED : error instanceof HostRefusedError ? refusalFailure(error) : failureOf(error);
  // A refused host was never tried: it is not unreachable, octoi would not go there.
  const unreachable = phase === 'connect' && failure.reason !== 'interrupted' && failure.reason !== 'refused';
  return { status: unreachable ? 'unreachable' : 'failed', failure };
}

function refusalFailure(error: HostRefusedError): HostFailure {
  return { reason: 'refused', message: error.refusal.message, hint: `${error.refusal.hint}; the host was not contacted` };
}

/** A failure a host reported, unless the run was interrupted: then that is what happened to it. */
export function unlessInterrupted(failure: HostFailure | undefined, signal?: AbortSignal): HostFailure | undefined {
  return failure && signal?.aborted ? INTERRUPTED : failure;
}
