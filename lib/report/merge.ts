import { readFile } from 'node:fs/promises';
import { OctoiError } from '../diagnostics.js';
import type { Action } from '../plan/types.js';
import type { HostResult, HostStatus, ReportedCommand, RunFinished, RunStarted, Shard } from '../run/types.js';
import type { JsonHostEntry, JsonReport } from './json.js';

interface ShardReport {
  file: string;
  report: JsonReport;
}

/** The parts of a sharded run as one run: what every view needs to show it. */
export interface JoinedRun {
  started: RunStarted;
  finished: RunFinished;
}

const commands: readonly ReportedCommand[] = ['play', 'plan', 'check'];
const statuses: readonly HostStatus[] = ['ok', 'changed', 'failed', 'unreachable', 'skipped'];

/** Reads each file as a run's JSON report; invalid input names the first file that is not one. */
export async function readShardReports(files: readonly string[]): Promise<ShardReport[]> {
  return Promise.all(
    files.map(async (file) => {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw refusal(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, 'pass the --json FILE each shard wrote');
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw notAReport(file, 'it is not JSON');
      }
      return { file, report: reportOf(file, value) };
    }),
  );
}

function reportOf(file: string, value: unknown): JsonReport {
  if (!isRecord(value) || typeof value.playbook !== 'string' || !isRecord(value.hosts) || !isRecord(value.totals)) throw notAReport(file, 'it has no playbook, hosts and totals');
  if (typeof value.runId !== 'string' || !commands.includes(value.command as ReportedCommand)) {
    throw refusal(`${file}: the report does not say which run it is of (no runId and command)`, 'reports written before `octoi report merge` existed cannot be joined: run the shards again');
  }
  if (typeof value.check !== 'boolean' || typeof value.interrupted !== 'boolean' || typeof value.durationMs !== 'number') throw notAReport(file, 'check, interrupted or durationMs is missing');
  if (value.shard !== undefined && !isShard(value.shard)) throw notAReport(file, 'its shard is not {index, count} with 1 ≤ index ≤ count');
  for (const [host, entry] of Object.entries(value.hosts)) {
    if (!isHostEntry(entry)) throw notAReport(file, `the entry of host ${host} is not a host's result`);
  }
  return value as unknown as JsonReport;
}

function isHostEntry(entry: unknown): entry is JsonHostEntry {
  if (!isRecord(entry) || !statuses.includes(entry.status as HostStatus) || typeof entry.phase !== 'string') return false;
  const counts = [entry.execs, entry.uploads, entry.durationMs].every((count) => typeof count === 'number');
  const actions = Array.isArray(entry.actions) && entry.actions.every((action) => isRecord(action) && typeof action.kind === 'string' && typeof action.description === 'string' && typeof action.outcome === 'string');
  const problems = Array.isArray(entry.problems) && entry.problems.length === (Array.isArray(entry.serviceProblems) ? entry.serviceProblems.length : 0);
  return counts && actions && problems && Array.isArray(entry.services);
}

/**
 * Joins the reports of every shard of one run into the run an unsharded job would have reported:
 * its hosts in the order they were dealt out, its time the longest shard's (they run side by side).
 * Refuses reports of different runs, a shard given twice, a host in two reports and a missing shard.
 */
export function joinShardReports(parts: readonly ShardReport[]): JoinedRun {
  const [first] = parts;
  if (!first) throw refusal('no report to merge', 'pass the --json FILE of every shard');
  for (const part of parts) refuseOtherRun(first, part);
  const byIndex = new Map<number, ShardReport>();
  for (const part of parts) {
    const shard = shardOf(part.report);
    if (shard.count !== shardOf(first.report).count) {
      throw refusal(`${part.file} is ${shardName(shard)} but ${first.file} is ${shardName(shardOf(first.report))}: they split the run differently`, 'merge the reports of one --shard K/N matrix, all with the same N');
    }
    const twin = byIndex.get(shard.index);
    if (twin) throw refusal(`${twin.file} and ${part.file} are both ${shardName(shard)}`, 'pass each shard\'s report once');
    byIndex.set(shard.index, part);
  }
  const count = shardOf(first.report).count;
  const missing = Array.from({ length: count }, (_, position) => position + 1).filter((index) => !byIndex.has(index));
  if (missing.length > 0) {
    const given = [...byIndex.entries()].sort(([a], [b]) => a - b).map(([index, part]) => `${index}/${count} (${part.file})`);
    throw refusal(`${missing.map((index) => `shard ${index}/${count}`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing: given ${given.join(', ')}`, 'pass the report of every shard of the run');
  }
  const shards = [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, part]) => part);
  const owner = new Map<string, string>();
  for (const part of shards) {
    for (const host of Object.keys(part.report.hosts)) {
      const other = owner.get(host);
      if (other) throw refusal(`host ${host} is in both ${other} and ${part.file}: the shards overlap`, 'each host belongs to one shard: merge the reports of one --shard K/N matrix');
      owner.set(host, part.file);
    }
  }
  const entries = dealtOrder(shards.map((part) => Object.entries(part.report.hosts)));
  const results = entries.map(([host, entry]) => hostResultOf(host, entry));
  const services = Object.fromEntries(entries.map(([host, entry]) => [host, entry.services ?? []]));
  const reports = shards.map((part) => part.report);
  const stoppedBy = [...new Set(reports.flatMap((report) => (report.stoppedBy ? [report.stoppedBy] : [])))].join('; ');
  return {
    started: {
      type: 'run-started', command: first.report.command, runId: first.report.runId,
      playbook: first.report.playbook, hosts: results.map((result) => result.host), check: first.report.check, services,
    },
    finished: {
      type: 'run-finished',
      results,
      interrupted: reports.some((report) => report.interrupted),
      durationMs: Math.max(...reports.map((report) => report.durationMs)),
      ...(stoppedBy ? { stoppedBy } : {}),
    },
  };
}

function refuseOtherRun(first: ShardReport, part: ShardReport): void {
  const { report } = part;
  if (report.playbook !== first.report.playbook) throw refusal(`${part.file} is a report of ${report.playbook}, ${first.file} of ${first.report.playbook}`, 'merge the reports of one run');
  if (report.command !== first.report.command || report.check !== first.report.check) {
    throw refusal(`${part.file} is a report of ${commandName(report)}, ${first.file} of ${commandName(first.report)}`, 'merge the reports of one run');
  }
  if (report.runId !== first.report.runId) {
    throw refusal(`${part.file} is not a part of the same run as ${first.file}: the playbook's text or the hosts it targets differ`, 'every shard must run the same playbook with the same inventory, --limit and -e');
  }
}

/** Shard K of N was dealt the hosts at positions K-1, K-1+N, …: taking one of each in turn puts them back. */
function dealtOrder<T>(shards: readonly T[][]): T[] {
  const longest = Math.max(0, ...shards.map((hosts) => hosts.length));
  return Array.from({ length: longest }, (_, round) => shards.flatMap((hosts) => (round < hosts.length ? [hosts[round] as T] : []))).flat();
}

/** A host's result as far as its report keeps it: everything the recap, JSON and JUnit views read. */
export function hostResultOf(host: string, entry: JsonHostEntry): HostResult {
  return {
    host,
    status: entry.status,
    phase: entry.phase,
    actions: entry.actions.map(({ kind, service, description, outcome, error }) => ({
      // A report keeps an action's kind and service: all any view reads of it.
      action: { kind, ...(service === undefined ? {} : { service }) } as Action,
      outcome,
      description,
      ...(error === undefined ? {} : { error }),
    })),
    changes: [],
    ...(entry.exposure ? { exposure: entry.exposure } : {}),
    problems: entry.serviceProblems ?? [],
    ...(entry.checks ? { checks: entry.checks } : {}),
    ...(entry.error ? { error: entry.error } : {}),
    ...(entry.rollback ? { rollback: entry.rollback } : {}),
    ...(entry.notices ? { notices: entry.notices } : {}),
    execs: entry.execs,
    uploads: entry.uploads,
    durationMs: entry.durationMs,
  };
}

function shardOf(report: JsonReport): Shard {
  return report.shard ?? { index: 1, count: 1 };
}

function shardName(shard: Shard): string {
  return shard.count === 1 ? 'a whole run (not sharded)' : `shard ${shard.index}/${shard.count}`;
}

function commandName(report: JsonReport): string {
  return `octoi ${report.command}${report.check && report.command === 'play' ? ' --check' : ''}`;
}

function isShard(value: unknown): value is Shard {
  return isRecord(value) && Number.isInteger(value.index) && Number.isInteger(value.count) && (value.index as number) >= 1 && (value.index as number) <= (value.count as number);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function notAReport(file: string, why: string): OctoiError {
  return refusal(`${file}: not an octoi JSON report (${why})`, 'pass the file each shard wrote with --json FILE');
}

function refusal(message: string, hint: string): OctoiError {
  return OctoiError.single('invalid-input', { message, hint });
}
