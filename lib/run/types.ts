import type { CheckRecord } from '../check/types.js';
import type { Exposure } from '../facts/types.js';
import type { Action, VerifyProblem } from '../plan/types.js';

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

export type HostStatus = 'ok' | 'changed' | 'failed' | 'unreachable' | 'skipped';

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

export interface HostResult {
  host: string;
  status: HostStatus;
  /** The phase it reached: where it failed, or `verify` for a host that converged. */
  phase: HostPhase;
  actions: ActionRecord[];
  /** Short phrases equal on hosts with equal changes, for grouping a fleet (`octoi plan`). */
  changes: string[];
  /** Present when diffs were asked for. */
  diffs?: FileDiff[];
  /** Present when scores were asked for (`octoi plan`): per service, its exposure on the host, null when unknown. */
  exposure?: Record<string, Exposure | null>;
  problems: VerifyProblem[];
  /** The services' checks, when any declares one: run after verification, or planned in check mode. */
  checks?: CheckRecord[];
  error?: HostFailure;
  /** Set when the change failed and octoi put the previous version back (`rolled-back`), or could not. */
  rollback?: 'rolled-back' | 'rollback-failed';
  /** What the host's own state told about earlier runs, e.g. a dead-man switch that fired. */
  notices?: string[];
  /** Remote commands run on this host. */
  execs: number;
  /** Files written on this host. */
  uploads: number;
  /** SFTP sessions opened on this host (all uploads of a step share one). */
  sftpSessions: number;
  durationMs: number;
}

export type HostStep = 'waiting' | 'connecting' | 'reading facts' | 'uploading' | 'applying' | 'verifying' | 'checking';

/** The one typed stream every report view reads. */
export type RunEvent =
  | { type: 'run-started'; playbook: string; hosts: string[]; check: boolean }
  | { type: 'play-started'; play: string; hosts: string[] }
  | { type: 'host-step'; host: string; step: HostStep }
  | { type: 'host-finished'; result: HostResult }
  | { type: 'run-finished'; results: HostResult[]; interrupted: boolean; durationMs: number; stoppedBy?: string };

export type RunEventListener = (event: RunEvent) => void;
