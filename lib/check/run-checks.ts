import type { Duplex } from 'node:stream';
import { failureOf } from '../host/failure.js';
import type { Listener } from '../facts/types.js';
import type { HostFailure, HostStep } from '../host/results.js';
import { ChannelOpenError } from '../ssh/errors.js';
import type { DesiredService } from '../units/types.js';
import { describeExpectation, describeReceived, readAnswer, type Answer } from './answer.js';
import { checkTargets, formatTarget, plannedChecks, type CheckTarget } from './targets.js';
import type { CheckFailure, CheckRecord } from './types.js';

/** What a check needs of a host's connection. */
interface TcpOpener {
  openTcp(address: string, port: number): Promise<Duplex>;
}

export interface CheckStepOptions {
  onStep: (step: HostStep) => void;
  /** Keeps whatever else waits on the host (its shell) alive while the checks run. */
  keepWaiting: <T>(work: () => Promise<T>) => Promise<T>;
}

/** The checks of a host and, when one failed, the failure they give the host (reason `check-failed`). */
export interface CheckStepResult {
  checks?: CheckRecord[];
  error?: HostFailure;
}

/**
 * The verification step that talks to the services, after the facts checked out: every check of
 * every address, all at once, through the host's SSH connection. A host that failed verification
 * is not checked; without any `check:` nothing is added. It never throws: a connection that fails
 * meanwhile fails the host with its reason.
 */
export async function withChecks<T extends { error?: HostFailure }>(outcome: T, session: TcpOpener, services: readonly DesiredService[], listeners: readonly Listener[], options: CheckStepOptions): Promise<T & CheckStepResult> {
  const targets = checkTargets(services, listeners);
  if (outcome.error || targets.length === 0) return outcome;
  options.onStep('checking');
  let checks: CheckRecord[];
  try {
    checks = await options.keepWaiting(() => Promise.all(targets.map((target) => runCheck(session, target))));
  } catch (error) {
    // The connection failed, not a service: the host fails as any lost connection does.
    return { ...outcome, error: failureOf(error) };
  }
  const error = checkFailureOf(checks);
  return { ...outcome, checks, ...(error ? { error } : {}) };
}

/** What `--check` and `plan` add: the checks a run would make, none made. */
export function plannedCheckStep(services: readonly DesiredService[]): CheckStepResult {
  const checks = plannedChecks(services);
  return checks.length > 0 ? { checks } : {};
}

const FORWARDING_HINT = "checks connect through SSH as `ssh -W` does: allow it for octoi's login user in the host's sshd_config (AllowTcpForwarding local, e.g. in a Match User block), or remove `check`";

export function checkFailureOf(checks: readonly CheckRecord[]): HostFailure | undefined {
  const failed = checks.filter((check) => check.outcome === 'failed');
  if (failed.length === 0) return undefined;
  return {
    reason: 'check-failed',
    message: failed.map((check) => `${check.service}: ${check.message}`).join('; '),
    hint: failed.some((check) => check.failure === 'forwarding-forbidden')
      ? FORWARDING_HINT
      : 'the service is installed and systemd listens for it, but it does not answer as its check expects',
  };
}

/** Connects from the host to one address, sends, and reads the answer, all within the check's timeout. */
export async function runCheck(session: TcpOpener, target: CheckTarget): Promise<CheckRecord> {
  const started = Date.now();
  const timeoutMs = target.check.timeoutSeconds * 1000;
  const record = { service: target.service, address: formatTarget(target), expect: describeExpectation(target.check.expect) };
  const where = `port ${target.port} on ${target.host}`;
  const failed = (failure: CheckFailure, message: string, bytes = 0): CheckRecord => ({ ...record, outcome: 'failed', failure, bytes, durationMs: Date.now() - started, message });
  const opened = await openWithin(session, target, timeoutMs);
  if (!opened.stream) return failed(opened.failure, `${where}: ${opened.reason}`);
  const answer = await readAnswer(opened.stream, { ...(target.check.send === undefined ? {} : { send: target.check.send }), expect: target.check.expect, timeoutMs: Math.max(0, timeoutMs - (Date.now() - started)) });
  const durationMs = Date.now() - started;
  if (answer.end === 'matched') return { ...record, outcome: 'passed', bytes: answer.received.length, durationMs };
  return failed(answer.end, mismatch(where, answer, durationMs, record.expect, target.check.timeoutSeconds), answer.received.length);
}

/**
 * `port 13063 on 127.0.0.1 answered 'Hello Wrold\n' (12 bytes) and closed the connection after 0.1 s; expected /Hello World/`
 */
export function mismatch(where: string, answer: Pick<Answer, 'received' | 'end'>, durationMs: number, expected: string, timeoutSeconds: number): string {
  const received = `${where} answered ${describeReceived(answer.received)}`;
  const after = `${(durationMs / 1000).toFixed(1)} s`;
  if (answer.end === 'closed') return `${received} and closed the connection after ${after}; expected ${expected}`;
  if (answer.end === 'too-long') return `${received} after ${after}; expected ${expected} in the first ${answer.received.length} bytes`;
  return `${received} after ${after}; expected ${expected} within ${timeoutSeconds} s`;
}

type Opened = { stream: Duplex; failure?: never; reason?: never } | { stream?: never; failure: CheckFailure; reason: string };

/**
 * The host's sshd connects to the address. A refusal of the channel is the check's failure; a
 * failing SSH connection is the host's (it propagates). A channel that opens after the timeout is closed.
 */
async function openWithin(session: TcpOpener, target: CheckTarget, timeoutMs: number): Promise<Opened> {
  const opening = session.openTcp(target.host, target.port);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Opened>((resolve) => {
    timer = setTimeout(() => resolve({ failure: 'timeout', reason: `no connection within the check's ${target.check.timeoutSeconds} s timeout` }), timeoutMs);
  });
  try {
    const opened = await Promise.race([opening.then((stream): Opened => ({ stream })), late]);
    if (!opened.stream) opening.then((stream) => stream.destroy(), () => undefined);
    return opened;
  } catch (error) {
    if (!(error instanceof ChannelOpenError)) throw error;
    if (error.refusal === 'administratively-prohibited') {
      return { failure: 'forwarding-forbidden', reason: `the host's sshd refuses to forward the connection (${error.description}): TCP forwarding is off there (AllowTcpForwarding no?)` };
    }
    return { failure: 'connect-failed', reason: `the host could not connect: ${error.description}` };
  } finally {
    clearTimeout(timer);
  }
}
