import type { ConvergeOutcome } from '../apply/converge.js';
import type { Diagnostic } from '../diagnostics.js';
import type { HostStep } from '../host/results.js';
import type { HostStatusEntry } from '../host/status.js';
import type { FleetGroup } from '../plan/change-summary.js';

export type HostStatus = 'ok' | 'changed' | 'failed' | 'unreachable' | 'skipped';

/** A host's outcome with what it cost: every view reads these. */
export interface HostResult extends ConvergeOutcome {
  host: string;
  status: HostStatus;
  /** Remote commands run on this host. */
  execs: number;
  /** Files written on this host. */
  uploads: number;
  durationMs: number;
}

/** The command whose run a report holds. */
export type ReportedCommand = 'play' | 'plan' | 'check';

export interface Shard {
  /** 1-based */
  index: number;
  count: number;
}

export type RunStarted = {
  type: 'run-started';
  command: ReportedCommand;
  /** Equal for every part of one sharded run (`PreparedRun.runId`). */
  runId: string;
  /** Absent when the run was not sharded. */
  shard?: Shard;
  playbook: string;
  hosts: string[];
  check: boolean;
  /** Each host's services over all its plays, by host: one JUnit testcase each. */
  services: Record<string, string[]>;
};

export type RunFinished = { type: 'run-finished'; results: HostResult[]; interrupted: boolean; durationMs: number; stoppedBy?: string };

/** What `octoi status` read on one host. */
type HostStatusRead = { type: 'host-status'; host: string; status: HostStatusEntry };

/**
 * The one typed stream every view reads: input errors and warnings, a run of play, plan or check,
 * what comes after it (plan's fleet summary, the idempotence pass), and octoi status's reads.
 */
export type RunEvent =
  /** The first SIGINT or SIGTERM: no new host starts; those in progress get `graceSeconds` to finish. */
  | { type: 'interrupt'; signal: string; graceSeconds: number }
  | { type: 'diagnostics'; diagnostics: Diagnostic[] }
  | RunStarted
  | { type: 'play-started'; play: string; hosts: string[] }
  | { type: 'host-step'; host: string; step: HostStep }
  | { type: 'host-finished'; result: HostResult }
  | RunFinished
  /** `octoi plan`: hosts with equal pending changes grouped, and likewise their services' exposure. */
  | { type: 'plan-summary'; changes: FleetGroup[]; exposure: FleetGroup[] }
  /** `--assert-idempotent`: the hosts a second pass would still change (none: idempotent). */
  | { type: 'idempotence'; drifting: Array<{ host: string; changes: string[] }> }
  | { type: 'status-started'; hosts: string[] }
  | HostStatusRead
  | { type: 'status-finished'; hosts: Record<string, HostStatusEntry>; interrupted: boolean };

export type RunEventListener = (event: RunEvent) => void;
