import { OctoiError } from '../diagnostics.js';
import type { FailureReason, HostFailure } from './results.js';
import { SshError, type SshFailureReason } from '../ssh/errors.js';

/** Another run holds the host, or the host cannot be locked at all. */
export class HostLockError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/** The host's state could not be read or trusted: nothing was planned or changed. */
export class FactsError extends Error {}

/** The host is not one octoi can manage (no systemd as PID 1, or one too old): nothing is planned. */
export class UnsupportedHostError extends Error {}

/** What went wrong on a host, as a report names it; anything octoi did not foresee is `internal`. */
export function failureOf(error: unknown): HostFailure {
  if (error instanceof SshError) {
    const { message, hint } = error.diagnostic;
    return { reason: failureReasonOf[error.reason], message, ...(hint ? { hint } : {}) };
  }
  if (error instanceof FactsError) return { reason: 'facts-unreadable', message: error.message };
  if (error instanceof UnsupportedHostError) return { reason: 'host-unsupported', message: error.message };
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
  interrupted: 'interrupted',
};
