import type { CheckRecord } from '../check/types.js';
import type { HostResult } from '../run/types.js';
import { formatFileDiff } from './diff.js';
import { hostSummary, seconds, statusWord } from './recap.js';

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
  for (const check of result.checks ?? []) lines.push(`${result.host}:   ${checkLine(check)}`);
  if (result.error?.hint) lines.push(`${result.host}:   hint: ${result.error.hint}`);
  for (const diff of result.diffs ?? []) lines.push(...formatFileDiff(result.host, diff).trimEnd().split('\n'));
  return lines;
}

/** `✓ check octoi-helloworld 127.0.0.1:13063: "Hello World" (12 bytes, 0.0 s)`, `! check …: what came back`, `? check … (planned)` */
export function checkLine(check: CheckRecord): string {
  const what = `check ${check.service} ${check.address}`;
  if (check.outcome === 'planned') return `? ${what}: expect ${check.expect} (planned)`;
  if (check.outcome === 'failed') return `! ${what}: ${check.message ?? 'failed'}`;
  return `✓ ${what}: ${check.expect} (${check.bytes ?? 0} bytes, ${seconds(check.durationMs ?? 0)})`;
}
