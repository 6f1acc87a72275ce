import type { HostResult, RunEvent, RunStarted } from '../run/types.js';
import { checkLine } from './host-lines.js';
import { writeFileAtomically } from './json.js';
import type { View } from './view.js';

/**
 * `--junit FILE`: one testcase per host and service, so CI dashboards show which service failed
 * where. A check run fails a testcase that has pending changes (drift).
 */
export class JunitFileView implements View {
  readonly #file: string;
  #started: RunStarted | undefined;
  #pending: Promise<void> = Promise.resolve();

  constructor(file: string) {
    this.#file = file;
  }

  onEvent(event: RunEvent): void {
    if (event.type === 'run-started') this.#started = event;
    if (event.type === 'run-finished' && this.#started) {
      const { services, check } = this.#started;
      this.#pending = writeFileAtomically(this.#file, junitDocument(event.results, (host) => services[host] ?? [], check, event.durationMs));
    }
  }

  close(): Promise<void> {
    return this.#pending;
  }
}

export function junitDocument(results: readonly HostResult[], servicesOf: (host: string) => string[], check: boolean, durationMs: number): string {
  const cases = results.flatMap((result) => servicesOf(result.host).map((service) => testcase(result, service, check)));
  const failures = cases.filter((entry) => entry.failure).length;
  const skipped = cases.filter((entry) => entry.skipped).length;
  const body = cases.map((entry) => entry.xml).join('\n');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="octoi" tests="${cases.length}" failures="${failures}" skipped="${skipped}" time="${(durationMs / 1000).toFixed(3)}">`,
    `<testsuite name="${check ? 'octoi check' : 'octoi play'}" tests="${cases.length}" failures="${failures}" skipped="${skipped}">`,
    body,
    '</testsuite>',
    '</testsuites>',
    '',
  ]
    .filter((line) => line !== '')
    .join('\n')
    .concat('\n');
}

function testcase(result: HostResult, service: string, check: boolean): { xml: string; failure: boolean; skipped: boolean } {
  const mine = result.actions.filter((record) => 'service' in record.action && record.action.service === service);
  const problems = result.problems.filter((problem) => problem.service === service);
  const checks = (result.checks ?? []).filter((record) => record.service === service);
  const failedChecks = checks.filter((record) => record.outcome === 'failed');
  const open = `<testcase classname="${xml(result.host)}" name="${xml(service)}" time="${(result.durationMs / 1000).toFixed(3)}">`;
  const lines = [...mine.map((record) => `${record.description} (${record.outcome})`), ...checks.map(checkLine)];
  const out = lines.length > 0 ? `<system-out>${xml(lines.join('\n'))}</system-out>` : '';
  const failureOf = (type: string, message: string) => ({ xml: `${open}<failure type="${type}" message="${xml(message)}"/>${out}</testcase>`, failure: true, skipped: false });
  if (result.status === 'skipped') return { xml: `${open}<skipped message="${xml(result.error?.message ?? 'not run')}"/></testcase>`, failure: false, skipped: true };
  if (result.status === 'unreachable') return failureOf('unreachable', result.error?.message ?? 'unreachable');
  const failedAction = mine.find((record) => record.outcome === 'failed');
  if (failedAction) return failureOf('action-failed', `${failedAction.description}: ${failedAction.error ?? 'failed'}`);
  if (problems.length > 0) return failureOf('verify-failed', problems.map((problem) => problem.message).join('; '));
  if (failedChecks.length > 0) return failureOf('check-failed', failedChecks.map((record) => record.message ?? 'failed').join('; '));
  if (result.status === 'failed' && mine.length === 0 && problems.length === 0 && checks.length === 0) return failureOf(result.error?.reason ?? 'failed', result.error?.message ?? 'failed');
  if (check && mine.length > 0) return failureOf('drift', `${mine.length} pending ${mine.length === 1 ? 'change' : 'changes'}`);
  return { xml: `${open}${out}</testcase>`, failure: false, skipped: false };
}

function xml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}
