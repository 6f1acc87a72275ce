import type { Exposure } from '../facts/types.js';
import type { HostResult, HostStatus } from './types.js';

/** Worst first: the status a host ends with over several plays. */
const severity: HostStatus[] = ['unreachable', 'failed', 'skipped', 'changed', 'ok'];

/** One result per host over all plays that targeted it. */
export function mergeHostResults(host: string, results: readonly HostResult[]): HostResult {
  if (results.length === 1) return results[0] as HostResult;
  const status = severity.find((candidate) => results.some((result) => result.status === candidate)) ?? 'skipped';
  const withError = results.find((result) => result.error);
  return {
    host,
    status,
    phase: (withError ?? results.at(-1))?.phase ?? 'connect',
    actions: results.flatMap((result) => result.actions),
    changes: results.flatMap((result) => result.changes),
    ...(results.some((result) => result.diffs) ? { diffs: results.flatMap((result) => result.diffs ?? []) } : {}),
    ...(results.some((result) => result.exposure) ? { exposure: Object.assign({}, ...results.map((result) => result.exposure ?? {})) as Record<string, Exposure | null> } : {}),
    problems: results.flatMap((result) => result.problems),
    ...(results.some((result) => result.checks) ? { checks: results.flatMap((result) => result.checks ?? []) } : {}),
    ...(withError?.error ? { error: withError.error } : {}),
    ...(withError?.rollback ? { rollback: withError.rollback } : {}),
    ...(results.some((result) => result.notices) ? { notices: results.flatMap((result) => result.notices ?? []) } : {}),
    execs: sum(results, 'execs'),
    uploads: sum(results, 'uploads'),
    sftpSessions: sum(results, 'sftpSessions'),
    durationMs: sum(results, 'durationMs'),
  };
}

function sum(results: readonly HostResult[], key: 'execs' | 'uploads' | 'sftpSessions' | 'durationMs'): number {
  return results.reduce((total, result) => total + result[key], 0);
}

export interface Totals {
  hosts: number;
  ok: number;
  changed: number;
  failed: number;
  unreachable: number;
  skipped: number;
  actions: number;
  execs: number;
  uploads: number;
}

export function totalsOf(results: readonly HostResult[]): Totals {
  const count = (status: HostStatus): number => results.filter((result) => result.status === status).length;
  return {
    hosts: results.length,
    ok: count('ok'),
    changed: count('changed'),
    failed: count('failed'),
    unreachable: count('unreachable'),
    skipped: count('skipped'),
    actions: results.reduce((total, result) => total + result.actions.length, 0),
    execs: sum(results, 'execs'),
    uploads: sum(results, 'uploads'),
  };
}

/** Hosts whose run changed something, or in check mode would. */
export function changedHosts(results: readonly HostResult[]): HostResult[] {
  return results.filter((result) => result.actions.some((record) => record.outcome === 'planned' || record.outcome === 'done'));
}
