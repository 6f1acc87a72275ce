import { dirname } from 'node:path';
import { parseProbe } from '../facts/parse-probe.js';
import { probeScript } from '../facts/probe.js';
import type { HostFacts } from '../facts/types.js';
import { changePhrases } from '../plan/change-summary.js';
import { describeAction } from '../plan/describe.js';
import { planHost } from '../plan/plan.js';
import type { Action, HostPlan, VerifyProblem } from '../plan/types.js';
import { verifyHost } from '../plan/verify.js';
import type { ActionRecord, FileDiff, HostFailure, HostStep } from '../run/types.js';
import type { HostSession } from '../run/session-pool.js';
import { SshError } from '../ssh/errors.js';
import { shellCommand } from '../shell.js';
import type { DesiredService } from '../units/types.js';
import { applyScript, parseApplyOutput, stagedPathFor, tempPathFor, type ApplyOptions } from './script.js';

export interface ConvergeOptions {
  /** Plan only: read facts, change nothing, not even a temp file. */
  check: boolean;
  /** Read the current text of changed files and report diffs. */
  diff: boolean;
  onStep: (step: HostStep) => void;
}

export interface ConvergeOutcome {
  actions: ActionRecord[];
  changes: string[];
  diffs?: FileDiff[];
  problems: VerifyProblem[];
  error?: HostFailure;
}

type WriteAction = Extract<Action, { kind: 'write-file' }>;

/**
 * Bring one host to the desired state on an open session: one command reads the facts, the pure
 * planner decides, changed files go up in one SFTP session, and one more command carries out the
 * rest and reads the facts again for verification. A host already in sync costs one command.
 * With become, both commands run through sudo and uploads go through a staging folder.
 */
export async function convergeHost(session: HostSession, services: DesiredService[], options: ConvergeOptions): Promise<ConvergeOutcome> {
  options.onStep('reading facts');
  const facts = await readFacts(session, services, options.diff);
  const plan = planHost(services, facts);
  const planned = {
    changes: changePhrases(plan, facts, services),
    ...(options.diff ? { diffs: fileDiffs(plan, facts, services) } : {}),
  };
  if (options.check) {
    return { ...planned, actions: plan.actions.map((action) => record(action, 'planned')), problems: [] };
  }
  if (plan.actions.length === 0) {
    options.onStep('verifying');
    return { ...planned, ...verified([], verifyHost(plan.expectations, facts)) };
  }
  const applyOptions = await uploadChangedFiles(session, plan, facts, options);
  options.onStep('applying');
  const result = await session.exec(applyScript(plan, services, applyOptions), { become: session.become });
  const applied = parseApplyOutput(result.stdout);
  const actions = plan.actions.map((action, index) => {
    const step = applied.steps.find((outcome) => outcome.action === index);
    if (!step || step.status === 'skipped') return record(action, 'not-run');
    return step.status === 'ok' ? record(action, 'done') : { ...record(action, 'failed'), ...(step.stderr ? { error: step.stderr } : {}) };
  });
  const failed = actions.find((action) => action.outcome === 'failed');
  if (failed) {
    const reason = isSystemdStep(failed.action) ? 'unit-failed' : 'command-failed';
    const message = `${failed.description} failed${failed.error ? `: ${failed.error.trim()}` : ''}`;
    return { ...planned, actions, problems: [], error: { reason, message, hint: 'the steps before it were applied; fix the cause and run again to finish' } };
  }
  if (result.exitCode !== 0 || actions.some((action) => action.outcome === 'not-run')) {
    const detail = result.stderr.trim() || 'no error output';
    return { ...planned, actions, problems: [], error: { reason: 'command-failed', message: `the apply command ended with exit code ${result.exitCode}: ${detail}` } };
  }
  options.onStep('verifying');
  return { ...planned, ...verified(actions, verifyHost(plan.expectations, applied.facts)) };
}

async function readFacts(session: HostSession, services: DesiredService[], contents: boolean): Promise<HostFacts> {
  const result = await session.exec(probeScript(services, { contents }), { become: session.become });
  if (result.exitCode !== 0) {
    throw new FactsError(`reading facts failed with exit code ${result.exitCode}: ${result.stderr.trim()}`);
  }
  return parseProbe(result.stdout);
}

function writesOf(plan: HostPlan): { action: WriteAction; index: number }[] {
  return plan.actions.flatMap((action, index) => (action.kind === 'write-file' ? [{ action, index }] : []));
}

/**
 * As root, each file goes up as the temp file beside its target. A login user who is not root
 * (become) cannot write there: the files wait in a private folder of theirs, and the apply script
 * copies them into place as root.
 */
async function uploadChangedFiles(session: HostSession, plan: HostPlan, facts: HostFacts, options: ConvergeOptions): Promise<ApplyOptions> {
  const writes = writesOf(plan);
  if (writes.length === 0) return {};
  options.onStep('uploading');
  if (session.become !== undefined) {
    const stagingDir = await createStagingDir(session);
    await session.writeFiles(writes.map(({ action, index }) => ({ path: stagedPathFor(stagingDir, index), content: action.content })));
    return { stagingDir };
  }
  const existing = new Set(facts.existingDirectories);
  const missingDirectories = [...new Set(writes.map(({ action }) => dirname(action.path)))].filter((dir) => !existing.has(dir));
  await session.writeFiles(
    writes.map(({ action }) => ({ path: tempPathFor(action.path), content: action.content })),
    { createDirectories: missingDirectories },
  );
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

/** The facts probe itself failed on the host: nothing was planned or changed. */
export class FactsError extends Error {}
