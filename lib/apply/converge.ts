import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { plannedCheckStep, withChecks, type CheckStepOptions, type CheckStepResult } from '../check/run-checks.js';
import type { CheckRecord } from '../check/types.js';
import type { Exposure, HostFacts } from '../facts/types.js';
import { parseProbe } from '../facts/parse-probe.js';
import { probeCommands } from '../facts/probe.js';
import { decodeHex, MARKER, parseMarker, splitLines } from '../facts/probe-format.js';
import { changePhrases } from '../plan/change-summary.js';
import { describeAction } from '../plan/describe.js';
import { planHost } from '../plan/plan.js';
import type { Action, HostPlan, VerifyProblem } from '../plan/types.js';
import { verifyHost } from '../plan/verify.js';
import type { ActionRecord, FileDiff, HostFailure, HostPhase, HostStep } from '../host/results.js';
import type { HostSession } from '../ssh/session.js';
import { SshError } from '../ssh/errors.js';
import type { DesiredService } from '../units/types.js';
import { FactsError, failureOf, UnsupportedHostError } from '../host/failure.js';
import { armScript, confirmChangeScript, rollbackNowScript, ROLLBACK_MARKERS, takeOverScript } from './rollback.js';
import { HostShell } from './host-shell.js';
import { confirmScript, failedUpload, parseSteps, restartedUnits, stepsScript, UPLOADED, uploadScript, type ApplyOptions, type StepOutcome } from './script.js';

export interface ConvergeOptions {
  /** Plan only: read facts, change nothing, not even a temp file. */
  check: boolean;
  /** Read the current text of changed files and report diffs. */
  diff: boolean;
  /** Read each service's exposure score on the host as it is before the run (`octoi plan`). */
  exposure?: boolean;
  /** How long to wait for another run's lock on the host. */
  lockWaitSeconds: number;
  /** Bounds each remote request (past the wait for the lock). */
  commandTimeoutMs?: number;
  /** Keep the previous version and put it back when the change fails; null: keep the new files. */
  rollback: { windowSeconds: number | null } | null;
  onStep: (step: HostStep) => void;
}

export interface ConvergeOutcome {
  /** The phase it reached: where it failed, or `verify` for a host that converged. */
  phase: HostPhase;
  actions: ActionRecord[];
  /** Short phrases equal on hosts with equal changes, for grouping a fleet (`octoi plan`). */
  changes: string[];
  /** Present when diffs were asked for. */
  diffs?: FileDiff[];
  /** When asked for (`octoi plan`): per present service, its exposure as read before any change, null when unknown. */
  exposure?: Record<string, Exposure | null>;
  problems: VerifyProblem[];
  /** The services' checks, when any declares one: run after verification, or planned in check mode. */
  checks?: CheckRecord[];
  error?: HostFailure;
  /** Set when the change failed and octoi put the previous version back (`rolled-back`), or could not. */
  rollback?: 'rolled-back' | 'rollback-failed';
  /** What the host's own state told about earlier runs (a dead-man switch that fired …). */
  notices?: string[];
}

/**
 * Bring one host to the desired state on an open session, in one shell on the host that holds
 * octoi's lock there throughout: it reads the facts and the pure planner decides; then one
 * request to the shell keeps the previous versions for a rollback, carries the changed files,
 * applies every step and reads the facts again for verification; the services are checked, and
 * the change confirmed or rolled back. A host in sync costs that one command. With become, the
 * shell runs through sudo. Once connected it never throws: a failure is returned with the phase it
 * happened in and what became of each planned action.
 */
export async function convergeHost(session: HostSession, services: DesiredService[], options: ConvergeOptions): Promise<ConvergeOutcome> {
  let phase: HostPhase = 'facts';
  const onStep = (step: HostStep): void => {
    phase = PHASE_OF_STEP[step] ?? phase;
    options.onStep(step);
  };
  onStep('reading facts');
  let shell: HostShell;
  try {
    shell = await HostShell.open(session, services, {
      contents: options.diff,
      exposure: options.exposure ?? false,
      lock: options.check ? 'shared' : 'exclusive',
      lockWaitSeconds: options.lockWaitSeconds,
      ...(options.commandTimeoutMs === undefined ? {} : { timeoutMs: options.commandTimeoutMs }),
    });
  } catch (error) {
    return { phase, actions: [], changes: [], problems: [], error: failureOf(error) };
  }
  try {
    return { ...(await runPhases({ session, shell, services, options: { ...options, onStep } })), phase };
  } finally {
    await shell.close();
  }
}

const PHASE_OF_STEP: Partial<Record<HostStep, HostPhase>> = {
  'reading facts': 'facts',
  uploading: 'upload',
  applying: 'apply',
  verifying: 'verify',
  checking: 'check',
};

/** One host's converge: its connection, the shell that holds its lock, what it should run. */
interface Host {
  session: HostSession;
  shell: HostShell;
  services: DesiredService[];
  options: ConvergeOptions;
}

/** A change about to be made: the plan, the facts it was made from, and this run's token. */
interface Change {
  plan: HostPlan;
  facts: HostFacts;
  runToken: string;
}

type Outcome = Omit<ConvergeOutcome, 'phase'>;

/** The phases after the facts, in order: plan, take over, apply (with the rollback armed), verify, check, then confirm or roll back. */
async function runPhases(host: Host): Promise<Outcome> {
  const { facts } = host.shell;
  const unreadable = factsFailure(facts);
  if (unreadable) return { actions: [], changes: [], problems: [], error: unreadable };
  const plan = planHost(host.services, facts);
  const planned = {
    changes: changePhrases(plan, facts, host.services),
    ...(host.options.diff ? { diffs: fileDiffs(plan, facts, host.services) } : {}),
    ...(host.options.exposure ? { exposure: exposureOf(host.services, facts) } : {}),
  };
  if (plan.refusals.length > 0) return { ...planned, actions: [], problems: [], error: refusal(plan) };
  const noticed = { ...planned, ...notices(facts) };
  /** Failed before any change: nothing to report but why. */
  const unchanged = (error: HostFailure): Outcome => ({ ...noticed, actions: [], problems: [], error });
  if (host.options.check) {
    return { ...noticed, actions: plan.actions.map((action) => record(action, 'planned')), problems: [], ...plannedCheckStep(host.services) };
  }
  try {
    const takeOver = takeOverScript(facts.armedChanges ?? [], (facts.switchRollbacks ?? []).map((note) => note.line));
    if (takeOver) await host.shell.run(takeOver);
  } catch (error) {
    return unchanged(failureOf(error));
  }
  if (plan.actions.length === 0) {
    host.options.onStep('verifying');
    return { ...noticed, ...(await check(host, verified([], verifyHost(plan.expectations, facts)), facts.listeners)) };
  }
  const change: Change = { plan, facts, runToken: randomBytes(6).toString('hex') };
  const applied = await apply(host, change);
  if (applied.notArmed) return unchanged(applied.notArmed);
  const result = { ...noticed, ...applied.outcome };
  return host.options.rollback ? { ...result, ...(await confirmOrRollBack(host, change, result.error, applied.shellLost, host.options.rollback.windowSeconds)) } : result;
}

function factsFailure(facts: HostFacts): HostFailure | undefined {
  if (facts.unsupported.length > 0) return failureOf(new UnsupportedHostError(facts.unsupported.join('; ')));
  if (facts.unreadable.length > 0) return failureOf(new FactsError(`the host's state cannot be read: ${facts.unreadable.join('; ')}`));
  return undefined;
}

function refusal(plan: HostPlan): HostFailure {
  const message = plan.refusals.map((refusal) => (refusal.service ? `${refusal.service}: ${refusal.message}` : refusal.message)).join('; ');
  const hints = [...new Set(plan.refusals.map((refusal) => refusal.hint))].join('; ');
  return { reason: 'refused', message, hint: `nothing was changed on this host; ${hints}` };
}

interface Applied {
  outcome: Omit<ConvergeOutcome, 'phase' | 'changes'>;
  /** The previous versions could not be kept: nothing was changed. */
  notArmed?: HostFailure;
  shellLost: boolean;
}

/**
 * One request carries the whole change: the rollback armed (keeping the previous versions),
 * the folders made, the files uploaded into new temp files beside their targets, every step, and
 * the facts read again; then verification and the checks. Nothing runs after a failure.
 */
async function apply(host: Host, change: Change): Promise<Applied> {
  const { shell, options } = host;
  const { plan } = change;
  const outcomes: StepOutcome[] = [];
  const finished = (error?: HostFailure, shellLost = false): Applied => ({
    outcome: { actions: actionRecords(plan, outcomes), problems: [], ...(error ? { error } : {}) },
    shellLost,
  });
  try {
    const writes = plan.actions.filter((action) => action.kind === 'write-file').length;
    shell.send(applyRequest(host, change));
    options.onStep(writes > 0 ? 'uploading' : 'applying');
    const first = writes > 0 ? await shell.readUntil(UPLOADED) : await shell.readUntilDone();
    outcomes.push(...parseSteps(first));
    const armed = options.rollback ? markerOf(first) : undefined;
    const unarmed = options.rollback && armed?.kind !== ROLLBACK_MARKERS.armed ? notArmed(armed) : undefined;
    const folderFailure = writes > 0 ? stepFailure(plan, outcomes) : undefined;
    const failedWrite = failedUpload(first);
    const writeFailure = failedWrite ? uploadFailure(plan, failedWrite, host.session.target.name) : undefined;
    // After a failure the shell skips every step; its answer ends the request.
    if (writes > 0 && (unarmed ?? folderFailure ?? writeFailure)) outcomes.push(...parseSteps(await shell.readUntilDone()));
    if (unarmed) return { ...finished(), notArmed: unarmed };
    if (folderFailure) {
      options.onStep('applying');
      return finished(folderFailure);
    }
    if (writeFailure) return finished(writeFailure);
    let output = first;
    if (writes > 0) {
      host.session.countUploads(writes);
      options.onStep('applying');
      output = await shell.readUntilDone();
      outcomes.push(...parseSteps(output));
    }
    const failure = stepFailure(plan, outcomes);
    if (failure) return finished(failure);
    return { outcome: await verifyAndCheck(host, change, actionRecords(plan, outcomes), output), shellLost: false };
  } catch (error) {
    if (error instanceof SshError && error.output) outcomes.push(...parseSteps(error.output.stdout));
    return finished(failureOf(error), shellIsGone(error));
  }
}

/** Folders come first, as the uploads go into them; with a rollback, the previous versions are kept before anything. */
function applyRequest(host: Host, change: Change): string {
  const { plan, facts, runToken } = change;
  const options: ApplyOptions = { runToken };
  const folders = plan.actions.findIndex((action) => action.kind !== 'create-directory');
  const beforeUpload = folders < 0 ? plan.actions.length : folders;
  const rollback = host.options.rollback;
  return [
    rollback ? armScript(plan.actions, facts, { runToken, windowSeconds: rollback.windowSeconds }) : '',
    stepsScript(plan.actions.slice(0, beforeUpload), 0, plan.actions, options),
    plan.actions.some((action) => action.kind === 'write-file') ? uploadScript(plan.actions, options) : '',
    stepsScript(plan.actions.slice(beforeUpload), beforeUpload, plan.actions, options),
    probeCommands(host.services, { again: true }),
  ].join('');
}

function notArmed(marker: { kind: string; args: string[] } | undefined): HostFailure {
  return {
    reason: 'command-failed',
    message: `cannot keep the previous versions for a rollback: ${decodeHex(marker?.args[0] ?? '').trim() || 'no answer'}`,
    hint: 'nothing was changed on this host; octoi needs systemd-run and room under /var/lib/octoi, or run with --no-rollback',
  };
}

/** The facts read again after the steps are verified; a verified change clears its pending restarts; then the checks. */
async function verifyAndCheck(host: Host, change: Change, actions: ActionRecord[], output: string): Promise<Applied['outcome']> {
  host.options.onStep('verifying');
  const after = parseProbe(output.slice(output.indexOf(`${MARKER} probe 1`)));
  const result = verified(actions, verifyHost(change.plan.expectations, after));
  const pending = [...new Set([...change.facts.pendingRestarts, ...restartedUnits(change.plan.actions)])];
  if (!result.error && pending.length > 0) await host.shell.run(confirmScript(pending));
  // A failed check is a failed verification: a rollback puts the previous version back.
  return check(host, result, after.listeners);
}

/**
 * A change that stands is confirmed (its switch stopped); one that failed is rolled back. When
 * the shell was lost, the host's own switch puts the previous version back.
 */
async function confirmOrRollBack(
  host: Host, change: Change, failure: HostFailure | undefined, shellLost: boolean, window: number | null,
): Promise<Pick<ConvergeOutcome, 'error' | 'rollback'>> {
  if (shellLost) {
    if (!failure || window === null) return {};
    const hint = `the host puts the previous version back by itself within ${window} s unless another run takes over`;
    return { error: { ...failure, hint: failure.hint ? `${failure.hint}; ${hint}` : hint } };
  }
  try {
    if (!failure) {
      await host.shell.run(confirmChangeScript(change.runToken));
      return {};
    }
    return await rollBack(host, change, failure);
  } catch (error) {
    const lost = failureOf(error);
    return { error: { ...(failure ?? lost), message: `${failure ? `${failure.message}; ` : ''}the change was not confirmed: ${lost.message}` } };
  }
}

/**
 * Puts back the previous version after `failure`, checks that every file is as it was, and asks
 * the services that served before again: a rollback whose services do not answer did not work.
 */
async function rollBack(host: Host, change: Change, failure: HostFailure): Promise<Pick<ConvergeOutcome, 'error' | 'rollback'>> {
  const { plan, facts } = change;
  const output = await host.shell.run(`${rollbackNowScript(change.runToken)}${probeCommands(host.services, { again: true })}`);
  const outcome = markerOf(output);
  const after = parseProbe(output.slice(output.indexOf(`${MARKER} probe 1`)));
  const differing = plan.actions.flatMap((action) => ('path' in action && action.kind !== 'create-directory' && action.kind !== 'remove-directory' ? [action.path] : []))
    .filter((path) => (after.files[path]?.exists ?? false) !== (facts.files[path]?.exists ?? false) || after.files[path]?.sha256 !== facts.files[path]?.sha256);
  const problems = [
    ...(outcome?.kind === ROLLBACK_MARKERS.rolledBack ? [] : [decodeHex(outcome?.args[0] ?? '').trim() || 'the rollback script gave no answer']),
    ...(differing.length > 0 ? [`not as before: ${differing.join(', ')}`] : []),
  ];
  if (problems.length === 0) {
    // Only what served before the change must answer again; a first deploy was rolled back to nothing.
    const servedBefore = host.services.filter((service) => facts.units[service.socketUnit]?.activeState === 'active');
    const rechecked = await withChecks({}, host.session, servedBefore, after.listeners, checkStepOf(host));
    if (rechecked.error) problems.push(`after the rollback the checks fail: ${rechecked.error.message}`);
  }
  if (problems.length === 0) {
    return { rollback: 'rolled-back', error: { ...failure, message: `${failure.message}; rolled back to the previous version` } };
  }
  return { rollback: 'rollback-failed', error: { ...failure, message: `${failure.message}; the rollback failed too: ${problems.join('; ')}`, hint: 'the host may serve neither version: look at it, then run again' } };
}

/** The services' checks, while the shell keeps the lock. */
function check<T extends { error?: HostFailure }>(host: Host, result: T, listeners: HostFacts['listeners']): Promise<T & CheckStepResult> {
  return withChecks(result, host.session, host.services, listeners, checkStepOf(host));
}

/** The shell keeps the lock while the services are asked whether they answer. */
function checkStepOf(host: Host): CheckStepOptions {
  return { onStep: host.options.onStep, keepWaiting: (work) => host.shell.whileBusy(work) };
}

/** A timeout or a lost link has ended the shell; a failed step leaves it waiting. */
function shellIsGone(error: unknown): boolean {
  return error instanceof SshError && (error.output !== undefined || ['timeout', 'connection-lost', 'interrupted'].includes(error.reason));
}

/** What a run should know before it changes anything: switches that fired, changes never confirmed. */
function notices(facts: HostFacts): Pick<ConvergeOutcome, 'notices'> {
  const lines = [
    ...(facts.switchRollbacks ?? []).map((note) => `the host rolled itself back at ${note.at.toISOString()}: run ${note.runToken} did not confirm its change in time`),
    ...(facts.armedChanges ?? []).map((token) => `run ${token} never confirmed its change; this run takes over from it`),
  ];
  return lines.length > 0 ? { notices: lines } : {};
}

function markerOf(output: string): { kind: string; args: string[] } | undefined {
  const kinds = new Set<string>(Object.values(ROLLBACK_MARKERS));
  return splitLines(output).map(parseMarker).find((marker) => marker !== null && kinds.has(marker.kind)) ?? undefined;
}

/** Each planned action with what became of it: done, failed, not run, or unknown (it began and no answer came back). */
function actionRecords(plan: HostPlan, outcomes: readonly StepOutcome[]): ActionRecord[] {
  return plan.actions.map((action, index) => {
    const step = outcomes.find((outcome) => outcome.action === index);
    if (!step || step.status === 'skipped') return record(action, 'not-run');
    if (step.status === 'unknown') return record(action, 'unknown');
    return step.status === 'ok' ? record(action, 'done') : { ...record(action, 'failed'), ...(step.stderr ? { error: step.stderr } : {}) };
  });
}

function stepFailure(plan: HostPlan, outcomes: readonly StepOutcome[]): HostFailure | undefined {
  const failed = outcomes.find((outcome) => outcome.status === 'failed');
  if (!failed) return undefined;
  const action = plan.actions[failed.action];
  if (!action) return { reason: 'internal', message: `the host reported step ${failed.action}, which the plan does not have` };
  const reason = isSystemdStep(action) ? 'unit-failed' : 'command-failed';
  const message = `${describeAction(action)} failed${failed.stderr ? `: ${failed.stderr.trim()}` : ''}`;
  return { reason, message, hint: 'the steps before it were applied; fix the cause and run again to finish' };
}

/** A temp file that could not be written: nothing was replaced, a full disk says so. */
function uploadFailure(plan: HostPlan, failed: { action: number; stderr: string }, host: string): HostFailure {
  const action = plan.actions[failed.action];
  const path = action?.kind === 'write-file' ? action.path : `the file of step ${failed.action}`;
  const kept = 'nothing was replaced, the old files are intact';
  if (/No space left on device|Disk quota exceeded/.test(failed.stderr)) {
    return { reason: 'disk-full', message: `no space left on ${host} to write ${path}`, hint: `free space in ${posix.dirname(path)} on the host; ${kept}` };
  }
  return { reason: 'command-failed', message: `cannot write ${path} on ${host}: ${failed.stderr.trim() || 'no error output'}`, hint: kept };
}

/** Before and after of every file the plan writes or removes. */
function fileDiffs(plan: HostPlan, facts: HostFacts, services: readonly DesiredService[]): FileDiff[] {
  const secret = new Set(services.flatMap((service) => service.files.filter((file) => file.secret).map((file) => file.path)));
  const before = (path: string): string | null => (facts.files[path]?.exists ? (facts.fileContents?.[path] ?? null) : null);
  return plan.actions.flatMap((action): FileDiff[] => {
    if (action.kind === 'write-file') return [{ path: action.path, before: before(action.path), after: action.content, secret: secret.has(action.path) }];
    if (action.kind === 'remove-file') return [{ path: action.path, before: before(action.path), after: null, secret: secret.has(action.path) }];
    return [];
  });
}

function verified(actions: ActionRecord[], problems: VerifyProblem[]): Pick<ConvergeOutcome, 'actions' | 'problems' | 'error'> {
  if (problems.length === 0) return { actions, problems };
  const message = problems.map((problem) => `${problem.service}: ${problem.message}`).join('; ');
  return { actions, problems, error: { reason: 'verify-failed', message } };
}

function record(action: Action, outcome: ActionRecord['outcome']): ActionRecord {
  return { action, outcome, description: describeAction(action) };
}

const systemdSteps = new Set<Action['kind']>(['enable-socket', 'start-socket', 'restart-socket', 'restart-service', 'disable-socket', 'stop-instances', 'stop-service', 'daemon-reload', 'reset-failed']);

function isSystemdStep(action: Action): boolean {
  return systemdSteps.has(action.kind);
}


function exposureOf(services: readonly DesiredService[], facts: HostFacts): Record<string, Exposure | null> {
  return Object.fromEntries(services.filter((service) => service.state === 'present').map((service) => [service.name, facts.exposure?.[service.name] ?? null]));
}
