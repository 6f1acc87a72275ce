import { FactsError } from '../apply/converge.js';
import { HostLockError } from '../apply/host-shell.js';
import { OctoiError } from '../diagnostics.js';
import { SshError, type SshFailureReason } from '../ssh/errors.js';
import type { FailureReason, HostFailure, HostStatus } from './types.js';

/** How far a host got: a failure before login means the host was not reached. */
export type HostPhase = 'connect' | 'logged-in';

/**
 * The one classification of every command that reaches hosts (play, plan, status): a host that
 * could not be connected to or logged in on is unreachable; once logged in, anything that goes
 * wrong (the link lost, a timeout, facts unreadable, sudo refusing) fails it. An interrupt closes
 * connections: what that looks like on a host is not the host's fault.
 */
export function classifyFailure(error: unknown, phase: HostPhase, signal?: AbortSignal): { status: HostStatus; failure: HostFailure } {
  const failure = failureOf(error, signal);
  return { status: phase === 'connect' && failure.reason !== 'interrupted' ? 'unreachable' : 'failed', failure };
}

export function failureOf(error: unknown, signal?: AbortSignal): HostFailure {
  if (signal?.aborted) return { reason: 'interrupted', message: 'the run was interrupted while this host was in progress' };
  if (error instanceof SshError) {
    const { message, hint } = error.diagnostic;
    return { reason: failureReasonOf[error.reason], message, ...(hint ? { hint } : {}) };
  }
  if (error instanceof FactsError) return { reason: 'facts-unreadable', message: error.message };
  if (error instanceof HostLockError) return { reason: 'host-locked', message: error.message, hint: error.hint };
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
