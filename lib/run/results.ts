import { formatExposure } from '../facts/exposure.js';
import type { Exposure } from '../facts/types.js';
import { groupFleet } from '../plan/change-summary.js';
import type { HostResult, HostStatus, RunEvent } from './types.js';

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
    durationMs: sum(results, 'durationMs'),
  };
}

function sum(results: readonly HostResult[], key: 'execs' | 'uploads' | 'durationMs'): number {
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

/** `octoi plan`'s summary of a run: reachable hosts grouped by their pending changes, and by their services' exposure. */
export function planSummary(results: readonly HostResult[]): Extract<RunEvent, { type: 'plan-summary' }> {
  const reachable = results.filter((result) => result.status === 'ok' || result.status === 'changed');
  const scored = reachable.filter((result) => Object.keys(result.exposure ?? {}).length > 0);
  return {
    type: 'plan-summary',
    changes: groupFleet(reachable.map(({ host, changes }) => ({ host, phrases: changes }))),
    exposure: groupFleet(scored.map(({ host, exposure }) => ({ host, phrases: Object.entries(exposure ?? {}).map(([service, score]) => `${service} ${formatExposure(score)}`) }))),
  };
}

/** Molecule's idempotence step: what a second pass over the same hosts would still change. */
export function idempotence(second: readonly HostResult[]): Extract<RunEvent, { type: 'idempotence' }> {
  const drifting = changedHosts(second).map((result) => ({ host: result.host, changes: result.changes.length > 0 ? result.changes : result.actions.map((record) => record.description) }));
  return { type: 'idempotence', drifting };
}
