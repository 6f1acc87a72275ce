import type { BatchSize } from '../config/types.js';

/**
 * Splits a play's hosts into rolling batches as Ansible's `serial:` does: each size in turn, the
 * last one repeating; a percentage is of all the play's hosts, rounded down, at least one.
 * Without `serial` the play is one batch.
 */
export function batches<T>(hosts: readonly T[], serial: readonly BatchSize[] | undefined): T[][] {
  if (!serial || serial.length === 0 || hosts.length === 0) return hosts.length === 0 ? [] : [[...hosts]];
  const sizeOf = (size: BatchSize): number =>
    size.kind === 'count' ? size.count : Math.max(1, Math.floor((size.percent * hosts.length) / 100));
  const result: T[][] = [];
  let start = 0;
  for (let index = 0; start < hosts.length; index += 1) {
    const size = sizeOf(serial[Math.min(index, serial.length - 1)] as BatchSize);
    result.push(hosts.slice(start, start + size));
    start += size;
  }
  return result;
}

interface FailureBudget {
  /** Per batch: the batch fails when more than this percentage of its hosts failed. */
  maxFailPercentage?: number;
  /** Per run: the run stops when more than this many hosts failed. */
  maxFailures?: number;
}

/** Why the rollout must stop after a batch, or null when it may go on. */
export function budgetExceeded(budget: FailureBudget, batch: { size: number; failed: number }, failedInRun: number): string | null {
  if (budget.maxFailPercentage !== undefined && batch.size > 0) {
    const percent = (batch.failed / batch.size) * 100;
    if (percent > budget.maxFailPercentage) {
      return `${batch.failed} of ${batch.size} hosts in the batch failed (${round(percent)}%), more than max_fail_percentage ${budget.maxFailPercentage}%`;
    }
  }
  if (budget.maxFailures !== undefined && failedInRun > budget.maxFailures) {
    return `${failedInRun} hosts failed in this run, more than max_failures ${budget.maxFailures}`;
  }
  return null;
}

function round(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
