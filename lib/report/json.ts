import { writeFile, rename } from 'node:fs/promises';
import type { CheckRecord } from '../check/types.js';
import { totalsOf, type Totals } from '../run/results.js';
import type { ActionOutcome, FailureReason } from '../host/results.js';
import type { Diagnostic } from '../diagnostics.js';
import type { FleetGroup } from '../plan/change-summary.js';
import type { HostResult, ReportedCommand, RunEvent, RunFinished, RunStarted, Shard } from '../run/types.js';
import type { StatusReport } from './status-table.js';
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
  durationMs: number;
  /** `octoi plan`: each service's exposure score on the host, null when unknown. */
  exposure?: HostResult['exposure'];
  error?: { reason: FailureReason; message: string };
  /** `rolled-back` or `rollback-failed` when the change failed after it began. */
  rollback?: HostResult['rollback'];
  notices?: string[];
}

export interface JsonReport {
  /** Warnings about the input (an inventory's, …), each with its file, line and column where it has one. */
  diagnostics?: Diagnostic[];
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
  /** `octoi plan`: hosts with equal pending changes, and equal exposure, grouped. */
  plan?: { changes: FleetGroup[]; exposure: FleetGroup[] };
  /** `--assert-idempotent`, when the second pass ran: the hosts it would still change. */
  idempotence?: { idempotent: boolean; drifting: Array<{ host: string; changes: string[] }> };
}

/** The document of a command that stopped on invalid input: what was wrong, and where. */
export interface JsonInputErrorReport {
  diagnostics: Diagnostic[];
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
    durationMs: result.durationMs,
    ...(result.exposure ? { exposure: result.exposure } : {}),
    ...(result.error ? { error: { reason: result.error.reason, message: result.error.message } } : {}),
    ...(result.rollback ? { rollback: result.rollback } : {}),
    ...(result.notices ? { notices: result.notices } : {}),
  };
}

/** The final document of `--json FILE`; its names are read by other tools, keep them stable. */
export function jsonReport(started: RunStarted, finished: RunFinished, after: ReadonlyArray<RunEvent> = []): JsonReport {
  const hosts = Object.fromEntries(finished.results.map((result) => [result.host, { ...jsonHostEntry(result), services: started.services[result.host] ?? [] }]));
  const diagnostics = after.flatMap((event) => (event.type === 'diagnostics' ? event.diagnostics : []));
  const plan = after.find((event) => event.type === 'plan-summary');
  const idempotence = after.find((event) => event.type === 'idempotence');
  return {
    ...(diagnostics.length > 0 ? { diagnostics } : {}),
    playbook: started.playbook,
    command: started.command,
    runId: started.runId,
    ...(started.shard ? { shard: started.shard } : {}),
    check: started.check,
    interrupted: finished.interrupted,
    ...(finished.stoppedBy ? { stoppedBy: finished.stoppedBy } : {}),
    durationMs: finished.durationMs,
    hosts,
    totals: totalsOf(finished.results),
    ...(plan ? { plan: { changes: plan.changes, exposure: plan.exposure } } : {}),
    ...(idempotence ? { idempotence: { idempotent: idempotence.drifting.length === 0, drifting: idempotence.drifting } } : {}),
  };
}

/**
 * `--json FILE`: one document written when the command ends, atomically (temp file, then rename):
 * the run's (play, plan, check), the status read (status), or, when invalid input stopped the
 * command before either, its diagnostics. Nothing is written when there is nothing to say.
 */
export class JsonFileView implements View {
  readonly #file: string;
  readonly #events: RunEvent[] = [];

  constructor(file: string) {
    this.#file = file;
  }

  onEvent(event: RunEvent): void {
    // The steps are the live view's; the document needs none of them.
    if (event.type !== 'host-step') this.#events.push(event);
  }

  async close(): Promise<void> {
    const document = jsonDocument(this.#events);
    if (document) await writeFileAtomically(this.#file, `${JSON.stringify(document, null, 2)}\n`);
  }
}

function jsonDocument(events: readonly RunEvent[]): JsonReport | StatusReport | JsonInputErrorReport | undefined {
  const diagnostics = events.flatMap((event) => (event.type === 'diagnostics' ? event.diagnostics : []));
  const started = events.find((event) => event.type === 'run-started');
  const finished = events.find((event) => event.type === 'run-finished');
  if (started && finished) return jsonReport(started, finished, events);
  const status = events.find((event) => event.type === 'status-finished');
  if (status) return { hosts: status.hosts, ...(diagnostics.length > 0 ? { diagnostics } : {}) };
  return diagnostics.length > 0 ? { diagnostics } : undefined;
}

/** Readers of a report never see half of it: write beside it, then rename over it. */
export async function writeFileAtomically(file: string, content: string): Promise<void> {
  const temp = `${file}.tmp-${process.pid}`;
  await writeFile(temp, content, { mode: 0o600 });
  await rename(temp, file);
}
