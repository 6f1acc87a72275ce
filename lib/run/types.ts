import type { CheckRecord } from '../check/types.js';
import type { Exposure } from '../facts/types.js';
import type { ActionRecord, FileDiff, HostFailure, HostPhase, HostStep } from '../host/results.js';
import type { VerifyProblem } from '../plan/types.js';

export type HostStatus = 'ok' | 'changed' | 'failed' | 'unreachable' | 'skipped';

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

/** The one typed stream every report view reads. */
export type RunEvent =
  | { type: 'run-started'; playbook: string; hosts: string[]; check: boolean }
  | { type: 'play-started'; play: string; hosts: string[] }
  | { type: 'host-step'; host: string; step: HostStep }
  | { type: 'host-finished'; result: HostResult }
  | { type: 'run-finished'; results: HostResult[]; interrupted: boolean; durationMs: number; stoppedBy?: string };

export type RunEventListener = (event: RunEvent) => void;
