import type { HostResult } from '../run/types.js';
import { formatFileDiff } from './diff.js';
import { hostSummary, statusWord } from './recap.js';

/** What a finished host did, as lines prefixed with its name, then its diffs: the heart of every human view. Pure. */
export function hostResultLines(result: HostResult): string[] {
  const lines = [`${result.host}: ${statusWord(result)}: ${hostSummary(result)}`];
  for (const notice of result.notices ?? []) lines.push(`${result.host}:   note: ${notice}`);
  for (const record of result.actions) {
    const mark = record.outcome === 'failed' ? ' (failed)' : record.outcome === 'not-run' ? ' (not run)' : '';
    lines.push(`${result.host}:   ${record.description}${mark}`);
    if (record.error) lines.push(...record.error.trimEnd().split('\n').map((line) => `${result.host}:     ${line}`));
  }
  for (const problem of result.problems) lines.push(`${result.host}:   ! ${problem.service}: ${problem.message}`);
  if (result.error?.hint) lines.push(`${result.host}:   hint: ${result.error.hint}`);
  for (const diff of result.diffs ?? []) lines.push(...formatFileDiff(result.host, diff).trimEnd().split('\n'));
  return lines;
}
