import type { ConvergeOutcome } from './converge.js';
import { FactsError, failureOf } from '../host/failure.js';
import { parseProbe } from '../facts/parse-probe.js';
import { probeScript } from '../facts/probe.js';
import type { HostPhase, HostStep } from '../host/results.js';
import type { HostSession } from '../ssh/session.js';
import type { DesiredService } from '../units/types.js';
import { withChecks } from '../check/run-checks.js';

/**
 * `octoi check` on one host: one command reads which addresses systemd listens on, then every
 * check runs. Nothing is written and no lock is taken: a monitor never waits for a run, nor
 * holds one up. Like a converge, it never throws once connected.
 */
export async function checkHost(session: HostSession, services: readonly DesiredService[], onStep: (step: HostStep) => void): Promise<ConvergeOutcome> {
  const nothingDone: Omit<ConvergeOutcome, 'phase'> = { actions: [], changes: [], problems: [] };
  let phase: HostPhase = 'facts';
  try {
    onStep('reading facts');
    const result = await session.exec(probeScript(services), { become: session.become });
    if (result.exitCode !== 0) throw new FactsError(`reading the host's listeners failed with exit code ${result.exitCode}: ${result.stderr.trim() || 'no error output'}`);
    const facts = parseProbe(result.stdout);
    if (facts.unreadable.length > 0) throw new FactsError(`the host's state cannot be read: ${facts.unreadable.join('; ')}`);
    phase = 'check';
    return { phase, ...(await withChecks(nothingDone, session, services, facts.listeners, { onStep, keepWaiting: (work) => work() })) };
  } catch (error) {
    return { phase, ...nothingDone, error: failureOf(error) };
  }
}
