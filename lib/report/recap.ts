import { totalsOf } from '../run/results.js';
import type { HostResult } from '../run/types.js';

/** The closing table of a run: one line per host, then the totals. Pure. */
export function formatRecap(results: readonly HostResult[], durationMs: number, interrupted: boolean): string {
  const width = Math.max(4, ...results.map((result) => result.host.length));
  const lines = [`RECAP (${results.length} ${results.length === 1 ? 'host' : 'hosts'}, ${seconds(durationMs)})${interrupted ? ' — interrupted' : ''}`];
  for (const result of results) {
    lines.push(`  ${result.host.padEnd(width)}  ${statusWord(result).padEnd(11)}  ${hostSummary(result)}`);
  }
  const totals = totalsOf(results);
  lines.push(
    `totals: ${totals.ok} ok, ${totals.changed} changed, ${totals.failed} failed, ${totals.unreachable} unreachable` +
      (totals.skipped > 0 ? `, ${totals.skipped} skipped` : ''),
  );
  return lines.join('\n');
}

/** A failed host that was rolled back is shown as such: it serves its previous version. */
export function statusWord(result: HostResult): string {
  return result.rollback ?? result.status;
}

export function hostSummary(result: HostResult): string {
  if (result.error) return result.error.message;
  const done = result.actions.filter((action) => action.outcome === 'done').length;
  const planned = result.actions.filter((action) => action.outcome === 'planned').length;
  const work = planned > 0 ? `${plural(planned, 'change')} pending` : done > 0 ? plural(done, 'change') : 'in sync';
  const checks = result.checks ?? [];
  const passed = checks.filter((check) => check.outcome === 'passed').length;
  const checked = checks.length === 0 ? '' : passed > 0 ? `${plural(passed, 'check')} passed, ` : `${plural(checks.length, 'check')} planned, `;
  return `${work}, ${checked}${plural(result.execs, 'command')}, ${plural(result.uploads, 'upload')}, ${seconds(result.durationMs)}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
