import type { HostFacts } from '../facts/types.js';
import { describeMissingListener, formatListenAddress, heldBySystemd } from './listeners.js';
import type { Expectation, VerifyProblem } from './types.js';
import { isEnabled, isRunning, unitFact } from './unit-state.js';

/** Check the facts read after applying (or the facts of a run with nothing to do) against the plan's expectations. */
export function verifyHost(expectations: readonly Expectation[], facts: HostFacts): VerifyProblem[] {
  return expectations.flatMap((expected) =>
    (expected.state === 'present' ? presentProblems(expected, facts) : absentProblems(expected, facts)).map((message) => ({
      service: expected.service,
      message,
    })),
  );
}

function presentProblems(expected: Expectation, facts: HostFacts): string[] {
  const socket = unitFact(facts, expected.socketUnit);
  const problems: string[] = [];
  if (socket.unitFileState !== 'enabled') {
    problems.push(`${expected.socketUnit} is not enabled (UnitFileState=${socket.unitFileState || 'unknown'})`);
  }
  if (socket.activeState !== 'active') {
    problems.push(`${expected.socketUnit} is not active (ActiveState=${socket.activeState}, SubState=${socket.subState})`);
  }
  for (const address of expected.listen) {
    if (!heldBySystemd(address, facts.listeners)) problems.push(describeMissingListener(address, facts.listeners));
  }
  for (const path of expected.paths) {
    if (!facts.files[path]?.exists) problems.push(`${path} is missing`);
  }
  return problems;
}

function absentProblems(expected: Expectation, facts: HostFacts): string[] {
  const socket = unitFact(facts, expected.socketUnit);
  const problems: string[] = [];
  if (socket.loadState === 'loaded') problems.push(`${expected.socketUnit} is still loaded`);
  if (isRunning(socket) || isEnabled(socket)) {
    problems.push(`${expected.socketUnit} is still ${socket.activeState} (UnitFileState=${socket.unitFileState || 'unknown'})`);
  }
  for (const address of expected.listen) {
    if (heldBySystemd(address, facts.listeners)) problems.push(`systemd (pid 1) still listens on ${formatListenAddress(address)}`);
  }
  for (const path of expected.paths) {
    if (facts.files[path]?.exists || facts.existingDirectories.includes(path)) problems.push(`${path} still exists`);
  }
  return problems;
}
