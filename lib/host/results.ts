import type { Action } from '../plan/types.js';

/** Why a host did not converge. */
export type FailureReason =
  | 'unreachable'
  | 'timeout'
  | 'auth'
  | 'host-key'
  | 'connection-lost'
  | 'disk-full'
  | 'command-failed'
  | 'unit-failed'
  | 'verify-failed'
  /** A service did not answer its `check:` as expected. */
  | 'check-failed'
  /** The host's state could not be read or trusted (a tool missing, systemctl failing): nothing was planned. */
  | 'facts-unreadable'
  /** octoi cannot manage the host: systemd is not PID 1, or older than the minimum. Nothing was planned. */
  | 'host-unsupported'
  /** octoi will not touch the host: it would write through a link, replace what it does not own … */
  | 'refused'
  /** Another octoi run holds the host's lock. */
  | 'host-locked'
  | 'interrupted'
  | 'budget-exceeded'
  | 'internal';

/** How far a host got: a failure in `connect` (connecting, host key, login) means it was not reached. */
export type HostPhase = 'connect' | 'facts' | 'upload' | 'apply' | 'verify' | 'check';

/** `unknown`: it began and no answer came back (the connection closed or timed out while it ran). */
export type ActionOutcome = 'done' | 'failed' | 'not-run' | 'planned' | 'unknown';

export interface ActionRecord {
  action: Action;
  outcome: ActionOutcome;
  /** Human one-liner, e.g. `+ create /etc/systemd/system/x.socket`. */
  description: string;
  /** stderr of a failed step. */
  error?: string;
}

export interface HostFailure {
  reason: FailureReason;
  message: string;
  hint?: string;
}

/** A managed file that changes, for `--diff`. `null` stands for "does not exist". */
export interface FileDiff {
  path: string;
  before: string | null;
  after: string | null;
  /** Marked secret in the playbook: show that it changes, never its text. */
  secret: boolean;
}

export type HostStep = 'waiting' | 'connecting' | 'reading facts' | 'uploading' | 'applying' | 'verifying' | 'checking';
