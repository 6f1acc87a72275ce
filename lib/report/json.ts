import { writeFile, rename } from 'node:fs/promises';
import { totalsOf, type Totals } from '../run/results.js';
import type { HostResult, RunEvent } from '../run/types.js';
import type { View } from './view.js';

export interface JsonHostEntry {
  status: HostResult['status'];
  /** Actions carried out (or, in check mode, planned). */
  changed: number;
  /** Actions that failed, plus one for a failed verification. */
  failed: number;
  unreachable: boolean;
  actions: Array<{ kind: string; description: string; outcome: string; error?: string }>;
  problems: string[];
  execs: number;
  uploads: number;
  durationMs: number;
  error?: { reason: string; message: string };
}

export interface JsonReport {
  playbook: string;
  check: boolean;
  interrupted: boolean;
  durationMs: number;
  hosts: Record<string, JsonHostEntry>;
  totals: Totals;
}

/** The final document of `--json FILE`; its names are read by other tools, keep them stable. */
export function jsonReport(playbook: string, check: boolean, event: Extract<RunEvent, { type: 'run-finished' }>): JsonReport {
  const hosts: Record<string, JsonHostEntry> = {};
  for (const result of event.results) {
    const failedActions = result.actions.filter((action) => action.outcome === 'failed').length;
    hosts[result.host] = {
      status: result.status,
      changed: result.actions.filter((action) => action.outcome === 'done' || action.outcome === 'planned').length,
      failed: failedActions + (result.problems.length > 0 ? 1 : 0),
      unreachable: result.status === 'unreachable',
      actions: result.actions.map((record) => ({
        kind: record.action.kind,
        description: record.description,
        outcome: record.outcome,
        ...(record.error ? { error: record.error } : {}),
      })),
      problems: result.problems.map((problem) => `${problem.service}: ${problem.message}`),
      execs: result.execs,
      uploads: result.uploads,
      durationMs: result.durationMs,
      ...(result.error ? { error: { reason: result.error.reason, message: result.error.message } } : {}),
    };
  }
  return { playbook, check, interrupted: event.interrupted, durationMs: event.durationMs, hosts, totals: totalsOf(event.results) };
}

/** Writes the document once the run finishes, atomically (temp file, then rename). */
export class JsonFileView implements View {
  readonly #file: string;
  #playbook = '';
  #check = false;
  #pending: Promise<void> = Promise.resolve();

  constructor(file: string) {
    this.#file = file;
  }

  onEvent(event: RunEvent): void {
    if (event.type === 'run-started') {
      this.#playbook = event.playbook;
      this.#check = event.check;
    } else if (event.type === 'run-finished') {
      const document = `${JSON.stringify(jsonReport(this.#playbook, this.#check, event), null, 2)}\n`;
      const temp = `${this.#file}.tmp-${process.pid}`;
      this.#pending = writeFile(temp, document, { mode: 0o600 }).then(() => rename(temp, this.#file));
    }
  }

  close(): Promise<void> {
    return this.#pending;
  }
}
