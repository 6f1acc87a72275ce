import { dirname } from 'node:path';
import { parseProbe } from '../facts/parse-probe.js';
import { probeScript } from '../facts/probe.js';
import type { HostFacts } from '../facts/types.js';
import { describeAction } from '../plan/describe.js';
import { planHost } from '../plan/plan.js';
import type { Action, HostPlan, VerifyProblem } from '../plan/types.js';
import { verifyHost } from '../plan/verify.js';
import type { ActionRecord, HostFailure, HostStep } from '../run/types.js';
import type { RemoteSession } from '../ssh/session.js';
import type { DesiredService } from '../units/types.js';
import { applyScript, parseApplyOutput, tempPathFor } from './script.js';

export interface ConvergeOptions {
  /** Plan only: read facts, change nothing. */
  check: boolean;
  onStep: (step: HostStep) => void;
}

export interface ConvergeOutcome {
  actions: ActionRecord[];
  problems: VerifyProblem[];
  error?: HostFailure;
}

/**
 * Bring one host to the desired state on an open session: one command reads the facts, the pure
 * planner decides, changed files go up in one SFTP session, and one more command carries out the
 * rest and reads the facts again for verification. A host already in sync costs one command.
 */
export async function convergeHost(
  session: RemoteSession,
  services: DesiredService[],
  options: ConvergeOptions,
): Promise<ConvergeOutcome> {
  options.onStep('reading facts');
  const facts = await readFacts(session, services);
  const plan = planHost(services, facts);
  if (options.check) {
    return { actions: plan.actions.map((action) => record(action, 'planned')), problems: [] };
  }
  if (plan.actions.length === 0) {
    options.onStep('verifying');
    return withProblems([], verifyHost(plan.expectations, facts));
  }
  await uploadChangedFiles(session, plan, facts, options);
  options.onStep('applying');
  const result = await session.exec(applyScript(plan, services));
  const applied = parseApplyOutput(result.stdout);
  const actions = plan.actions.map((action, index) => {
    const step = applied.steps[index];
    if (!step || step.status === 'skipped') return record(action, 'not-run');
    return step.status === 'ok' ? record(action, 'done') : { ...record(action, 'failed'), error: step.stderr };
  });
  const failed = actions.find((action) => action.outcome === 'failed');
  if (failed) {
    return {
      actions,
      problems: [],
      error: {
        reason: isSystemdStep(failed.action) ? 'unit-failed' : 'command-failed',
        message: `${failed.description} failed${failed.error ? `: ${failed.error.trim()}` : ''}`,
        hint: 'the steps before it were applied; fix the cause and run again to finish',
      },
    };
  }
  if (result.exitCode !== 0 || applied.steps.length < plan.actions.length) {
    return {
      actions,
      problems: [],
      error: {
        reason: 'command-failed',
        message: `the apply command ended with exit code ${result.exitCode}: ${result.stderr.trim() || 'no error output'}`,
      },
    };
  }
  options.onStep('verifying');
  return withProblems(actions, verifyHost(plan.expectations, applied.facts));
}

async function readFacts(session: RemoteSession, services: DesiredService[]): Promise<HostFacts> {
  const result = await session.exec(probeScript(services));
  if (result.exitCode !== 0) {
    throw new FactsError(`reading facts failed with exit code ${result.exitCode}: ${result.stderr.trim()}`);
  }
  return parseProbe(result.stdout);
}

async function uploadChangedFiles(session: RemoteSession, plan: HostPlan, facts: HostFacts, options: ConvergeOptions): Promise<void> {
  const writes = plan.actions.filter((action): action is Extract<Action, { kind: 'write-file' }> => action.kind === 'write-file');
  if (writes.length === 0) return;
  options.onStep('uploading');
  const existing = new Set(facts.existingDirectories);
  const missingDirectories = [...new Set(writes.map((write) => dirname(write.path)))].filter((dir) => !existing.has(dir));
  await session.writeFiles(
    writes.map((write) => ({ path: tempPathFor(write.path), content: write.content })),
    { createDirectories: missingDirectories },
  );
}

function withProblems(actions: ActionRecord[], problems: VerifyProblem[]): ConvergeOutcome {
  if (problems.length === 0) return { actions, problems };
  return {
    actions,
    problems,
    error: { reason: 'verify-failed', message: problems.map((problem) => `${problem.service}: ${problem.message}`).join('; ') },
  };
}

function record(action: Action, outcome: ActionRecord['outcome']): ActionRecord {
  return { action, outcome, description: describeAction(action) };
}

function isSystemdStep(action: Action): boolean {
  return ['enable-socket', 'restart-socket', 'disable-socket', 'stop-instances', 'daemon-reload', 'reset-failed'].includes(action.kind);
}

/** The facts probe itself failed on the host: nothing was planned or changed. */
export class FactsError extends Error {}
