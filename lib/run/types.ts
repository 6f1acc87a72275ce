import type { ConvergeOutcome } from '../apply/converge.js';
import type { HostStep } from '../host/results.js';

export type HostStatus = 'ok' | 'changed' | 'failed' | 'unreachable' | 'skipped';

/** A host's outcome with what it cost: every view reads these. */
export interface HostResult extends ConvergeOutcome {
  host: string;
  status: HostStatus;
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
