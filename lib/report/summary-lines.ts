import type { Writable } from 'node:stream';
import { formatDiagnostic, type Diagnostic } from '../diagnostics.js';
import { formatFleetGroups } from '../plan/change-summary.js';
import type { RunEvent } from '../run/types.js';

/** Input errors and warnings as every command prints them: one each, then how many errors when more than one. Pure. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  return [...diagnostics.map(formatDiagnostic), ...(errors > 1 ? [`${errors} errors`] : [])].join('\n');
}

/** `octoi plan`'s closing lines: the fleet grouped by pending changes, then by exposure when scores were read. Pure. */
export function formatPlanSummary(event: Extract<RunEvent, { type: 'plan-summary' }>): string {
  const indented = (groups: Parameters<typeof formatFleetGroups>[0]) => formatFleetGroups(groups).map((line) => `  ${line}`);
  const exposure = event.exposure.length > 0 ? ['EXPOSURE (systemd-analyze security, as the hosts run the services now)', ...indented(event.exposure)] : [];
  return ['PLAN', ...indented(event.changes), ...exposure].join('\n');
}

/** The idempotence pass's verdict, and whether it is an error (then it goes to stderr). Pure. */
export function formatIdempotence(event: Extract<RunEvent, { type: 'idempotence' }>): ShownText {
  if (event.drifting.length === 0) return { text: 'idempotent: a second pass would change nothing', error: false };
  return { text: ['not idempotent: a second pass would still change', ...event.drifting.map(({ host, changes }) => `  ${host}: ${changes.join('; ')}`)].join('\n'), error: true };
}

/** Where a human view writes: what happened on `out`; input errors, warnings and failed verdicts on `err`. */
export interface HumanStreams {
  out: Writable;
  err: Writable;
}

/** Text a human view shows, and whether it goes to `err`. */
export interface ShownText {
  text: string;
  error: boolean;
}

/** What every human view writes to `err` as it comes: input errors and warnings, and an interrupt's notice. */
export function writeNotice(streams: HumanStreams, event: RunEvent): void {
  if (event.type === 'diagnostics') writeShown(streams, { text: formatDiagnostics(event.diagnostics), error: true });
  if (event.type === 'interrupt') {
    writeShown(streams, { text: `octoi: ${event.signal}: no new host starts; hosts in progress get ${event.graceSeconds} s to finish (again to stop now)`, error: true });
  }
}

export function writeShown(streams: HumanStreams, { text, error }: ShownText): void {
  (error ? streams.err : streams.out).write(`${text}\n`);
}
