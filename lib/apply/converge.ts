import { randomBytes } from 'node:crypto';
import type { HostFacts } from '../facts/types.js';
import { parseProbe } from '../facts/parse-probe.js';
import { probeCommands } from '../facts/probe.js';
import { MARKER } from '../facts/probe-format.js';
import { stagedPathFor, tempPathFor } from '../host-layout.js';
import { changePhrases } from '../plan/change-summary.js';
import { describeAction } from '../plan/describe.js';
import { planHost } from '../plan/plan.js';
import type { Action, HostPlan, VerifyProblem } from '../plan/types.js';
import { verifyHost } from '../plan/verify.js';
import type { ActionRecord, FileDiff, HostFailure, HostPhase, HostStep } from '../run/types.js';
import type { HostSession } from '../run/session-pool.js';
import { SshError } from '../ssh/errors.js';
import { shellCommand } from '../shell.js';
import type { DesiredService } from '../units/types.js';
import { FactsError, failureOf } from './failure.js';
import { HostShell } from './host-shell.js';
import { confirmScript, parseSteps, stepsScript, type ApplyOptions, type StepOutcome } from './script.js';

export interface ConvergeOptions {
  /** Plan only: read facts, change nothing, not even a temp file. */
  check: boolean;
  /** Read the current text of changed files and report diffs. */
  diff: boolean;
  /** How long to wait for another run's lock on the host. */
  lockWaitSeconds: number;
  /** Bounds each remote request (past the wait for the lock). */
  commandTimeoutMs?: number;
  onStep: (step: HostStep) => void;
}

export interface ConvergeOutcome {
  /** Where it ended: the phase that failed, or `verify`. */
  phase: HostPhase;
  actions: ActionRecord[];
  changes: string[];
  diffs?: FileDiff[];
  problems: VerifyProblem[];
  error?: HostFailure;
}

type WriteAction = Extract<Action, { kind: 'write-file' }>;

/**
 * Bring one host to the desired state on an open session, in one shell on the host that holds
 * octoi's lock there throughout: it reads the facts, the pure planner decides, changed files go
 * up in one SFTP session, the shell carries out the rest and reads the facts again for
 * verification. A host in sync costs that one command. With become, the shell runs through sudo
 * and uploads go through a staging folder. Once connected it never throws: a failure is returned
 * with the phase it happened in and what became of each planned action.
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
      lock: options.check ? 'shared' : 'exclusive',
      lockWaitSeconds: options.lockWaitSeconds,
      ...(options.commandTimeoutMs === undefined ? {} : { timeoutMs: options.commandTimeoutMs }),
    });
  } catch (error) {
    return { phase, actions: [], changes: [], problems: [], error: failureOf(error) };
  }
  try {
    return { ...(await convergeInShell(session, shell, services, { ...options, onStep })), phase };
  } finally {
    await shell.close();
  }
}

const PHASE_OF_STEP: Partial<Record<HostStep, HostPhase>> = {
  'reading facts': 'facts',
  uploading: 'upload',
  applying: 'apply',
  verifying: 'verify',
};

async function convergeInShell(session: HostSession, shell: HostShell, services: DesiredService[], options: ConvergeOptions): Promise<Omit<ConvergeOutcome, 'phase'>> {
  const facts = shell.facts;
  const nothing = { actions: [], changes: [], problems: [] };
  if (facts.unreadable.length > 0) return { ...nothing, error: failureOf(new FactsError(`the host's state cannot be read: ${facts.unreadable.join('; ')}`)) };
  const plan = planHost(services, facts);
  const planned = {
    changes: changePhrases(plan, facts, services),
    ...(options.diff ? { diffs: fileDiffs(plan, facts, services) } : {}),
  };
  if (plan.refusals.length > 0) {
    const message = plan.refusals.map((refusal) => (refusal.service ? `${refusal.service}: ${refusal.message}` : refusal.message)).join('; ');
    const hints = [...new Set(plan.refusals.map((refusal) => refusal.hint))].join('; ');
    return { ...planned, actions: [], problems: [], error: { reason: 'refused', message, hint: `nothing was changed on this host; ${hints}` } };
  }
  if (options.check) {
    return { ...planned, actions: plan.actions.map((action) => record(action, 'planned')), problems: [] };
  }
  if (plan.actions.length === 0) {
    options.onStep('verifying');
    return { ...planned, ...verified([], verifyHost(plan.expectations, facts)) };
  }

  const applyOptions: ApplyOptions = { runToken: randomBytes(6).toString('hex') };
  const outcomes: StepOutcome[] = [];
  const finished = (error?: HostFailure): Omit<ConvergeOutcome, 'phase'> => ({ ...planned, actions: actionRecords(plan, outcomes), problems: [], ...(error ? { error } : {}) });
  try {
    options.onStep('applying');
    // Folders come first: as root, uploads go straight into them.
    const folders = plan.actions.findIndex((action) => action.kind !== 'create-directory');
    const beforeUpload = folders < 0 ? plan.actions.length : folders;
    if (beforeUpload > 0 && session.become === undefined) {
      outcomes.push(...parseSteps(await shell.run(stepsScript(plan.actions.slice(0, beforeUpload), 0, plan.actions, applyOptions))));
      const failure = stepFailure(plan, outcomes);
      if (failure) return finished(failure);
    }
    const first = session.become === undefined ? beforeUpload : 0;
    Object.assign(applyOptions, await shell.whileBusy(() => uploadChangedFiles(session, plan, applyOptions.runToken, options)));
    options.onStep('applying');
    const rest = stepsScript(plan.actions.slice(first), first, plan.actions, applyOptions);
    const cleanup = applyOptions.stagingDir === undefined ? '' : `${shellCommand(['rm', '-rf', '--', applyOptions.stagingDir])}\n`;
    const output = await shell.run(`${rest}${cleanup}${probeCommands(services)}`);
    outcomes.push(...parseSteps(output));
    const failure = stepFailure(plan, outcomes);
    if (failure) return finished(failure);
    options.onStep('verifying');
    const after = parseProbe(output.slice(output.indexOf(`${MARKER} probe 1`)));
    const result = { ...planned, ...verified(actionRecords(plan, outcomes), verifyHost(plan.expectations, after)) };
    const pending = [...new Set([...facts.pendingRestarts, ...plan.actions.flatMap((action) => (action.kind === 'restart-socket' ? [action.unit] : []))])];
    if (!result.error && pending.length > 0) await shell.run(confirmScript(pending));
    return result;
  } catch (error) {
    if (error instanceof SshError && error.output) outcomes.push(...parseSteps(error.output.stdout));
    return finished(failureOf(error));
  }
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

function writesOf(plan: HostPlan): { action: WriteAction; index: number }[] {
  return plan.actions.flatMap((action, index) => (action.kind === 'write-file' ? [{ action, index }] : []));
}

/**
 * As root, each file goes up as a new temp file beside its target. A login user who is not root
 * (become) cannot write there: the files wait in a private folder of theirs, and the host's shell
 * copies them into place as root.
 */
async function uploadChangedFiles(session: HostSession, plan: HostPlan, runToken: string, options: ConvergeOptions): Promise<Partial<ApplyOptions>> {
  const writes = writesOf(plan);
  if (writes.length === 0) return {};
  options.onStep('uploading');
  if (session.become !== undefined) {
    const stagingDir = await createStagingDir(session);
    await session.writeFiles(writes.map(({ action, index }) => ({ path: stagedPathFor(stagingDir, index), content: action.content })));
    return { stagingDir };
  }
  await session.writeFiles(writes.map(({ action }) => ({ path: tempPathFor(action.path, runToken), content: action.content })));
  return {};
}

/** A new folder only the login user can read (mktemp makes it 0700). */
async function createStagingDir(session: HostSession): Promise<string> {
  const result = await session.exec(shellCommand(['mktemp', '-d', '-t', 'octoi-upload.XXXXXXXX']));
  const dir = result.stdout.trim();
  if (result.exitCode !== 0 || !dir.startsWith('/')) {
    throw new SshError('sftp-failed', session.target.name, `cannot create a staging folder for uploads: ${result.stderr.trim() || `mktemp printed "${dir}"`}`,
      'the login user needs a writable temporary folder ($TMPDIR or /tmp)');
  }
  return dir;
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

const systemdSteps = new Set<Action['kind']>(['enable-socket', 'start-socket', 'restart-socket', 'disable-socket', 'stop-instances', 'daemon-reload', 'reset-failed']);

function isSystemdStep(action: Action): boolean {
  return systemdSteps.has(action.kind);
}

