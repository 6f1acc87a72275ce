import { writeFile, rename } from 'node:fs/promises';
import type { CheckRecord } from '../check/types.js';
import { totalsOf, type Totals } from '../run/results.js';
import type { Shard } from '../run/shard.js';
import type { ActionOutcome, FailureReason } from '../host/results.js';
import type { HostResult, RunEvent } from '../run/types.js';
import type { View } from './view.js';

export interface JsonHostEntry {
  status: HostResult['status'];
  /** Where the host ended: `connect`, `facts`, `upload`, `apply` or `verify`. */
  phase: HostResult['phase'];
  /** Actions carried out (or, in check mode, planned). */
  changed: number;
  /** Actions that failed, plus one for a failed verification and one for each failed check. */
  failed: number;
  unreachable: boolean;
  /** `service`: the service an action is for, when it is for one. */
  actions: Array<{ kind: string; service?: string; description: string; outcome: ActionOutcome; error?: string }>;
  problems: string[];
  /** The same problems with their service apart, when there are any. */
  serviceProblems?: Array<{ service: string; message: string }>;
  /** In the run's report: the host's services, one JUnit testcase each. */
  services?: string[];
  /** Present when a service declares a check: one per address checked (or, in check mode, declared). */
  checks?: CheckRecord[];
  execs: number;
  uploads: number;
  sftpSessions: number;
  durationMs: number;
  /** `octoi plan`: each service's exposure score on the host, null when unknown. */
  exposure?: HostResult['exposure'];
  error?: { reason: FailureReason; message: string };
  /** `rolled-back` or `rollback-failed` when the change failed after it began. */
  rollback?: HostResult['rollback'];
  notices?: string[];
}

/** The command whose run a report holds. */
export type ReportedCommand = 'play' | 'plan' | 'check';

/** What a run's report says of the run beyond its events, so the parts of a sharded run can be joined. */
export interface ReportedRun {
  command: ReportedCommand;
  /** Equal for every part of one sharded run (`PreparedRun.runId`). */
  runId: string;
  /** Absent when the run was not sharded. */
  shard?: Shard;
  servicesOf: (host: string) => string[];
}

export interface JsonReport {
  playbook: string;
  command: ReportedCommand;
  runId: string;
  shard?: Shard;
  check: boolean;
  interrupted: boolean;
  /** Why the rollout stopped before its last batch (a failure budget ran out). */
  stoppedBy?: string;
  durationMs: number;
  hosts: Record<string, JsonHostEntry>;
  totals: Totals;
}

/**
 * One host's entry of every machine-readable report. File contents never appear in it (they may
 * be secret); actions are described by kind and one line.
 */
export function jsonHostEntry(result: HostResult): JsonHostEntry {
  const failedActions = result.actions.filter((action) => action.outcome === 'failed').length;
  const failedChecks = (result.checks ?? []).filter((check) => check.outcome === 'failed').length;
  return {
    status: result.status,
    phase: result.phase,
    changed: result.actions.filter((action) => action.outcome === 'done' || action.outcome === 'planned').length,
    failed: failedActions + (result.problems.length > 0 ? 1 : 0) + failedChecks,
    unreachable: result.status === 'unreachable',
    actions: result.actions.map((record) => ({
      kind: record.action.kind,
      ...('service' in record.action ? { service: record.action.service } : {}),
      description: record.description,
      outcome: record.outcome,
      ...(record.error ? { error: record.error } : {}),
    })),
    problems: result.problems.map((problem) => `${problem.service}: ${problem.message}`),
    ...(result.problems.length > 0 ? { serviceProblems: result.problems.map(({ service, message }) => ({ service, message })) } : {}),
    ...(result.checks ? { checks: result.checks } : {}),
    execs: result.execs,
    uploads: result.uploads,
    sftpSessions: result.sftpSessions,
    durationMs: result.durationMs,
    ...(result.exposure ? { exposure: result.exposure } : {}),
    ...(result.error ? { error: { reason: result.error.reason, message: result.error.message } } : {}),
    ...(result.rollback ? { rollback: result.rollback } : {}),
    ...(result.notices ? { notices: result.notices } : {}),
  };
}

/** The final document of `--json FILE`; its names are read by other tools, keep them stable. */
export function jsonReport(run: ReportedRun, playbook: string, check: boolean, event: Extract<RunEvent, { type: 'run-finished' }>): JsonReport {
  const hosts = Object.fromEntries(event.results.map((result) => [result.host, { ...jsonHostEntry(result), services: run.servicesOf(result.host) }]));
  return {
    playbook,
    command: run.command,
    runId: run.runId,
    ...(run.shard ? { shard: run.shard } : {}),
    check,
    interrupted: event.interrupted,
    ...(event.stoppedBy ? { stoppedBy: event.stoppedBy } : {}),
    durationMs: event.durationMs,
    hosts,
    totals: totalsOf(event.results),
  };
}

/** Writes the document once the run finishes, atomically (temp file, then rename). */
export class JsonFileView implements View {
  readonly #file: string;
  readonly #run: ReportedRun;
  #playbook = '';
  #check = false;
  #pending: Promise<void> = Promise.resolve();

  constructor(file: string, run: ReportedRun) {
    this.#file = file;
    this.#run = run;
  }

  onEvent(event: RunEvent): void {
    if (event.type === 'run-started') {
      this.#playbook = event.playbook;
      this.#check = event.check;
    } else if (event.type === 'run-finished') {
      this.#pending = writeFileAtomically(this.#file, `${JSON.stringify(jsonReport(this.#run, this.#playbook, this.#check, event), null, 2)}\n`);
    }
  }

  close(): Promise<void> {
    return this.#pending;
  }
}

/** Readers of a report never see half of it: write beside it, then rename over it. */
export async function writeFileAtomically(file: string, content: string): Promise<void> {
  const temp = `${file}.tmp-${process.pid}`;
  await writeFile(temp, content, { mode: 0o600 });
  await rename(temp, file);
}
