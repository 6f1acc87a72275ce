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
  for (const file of expected.files) {
    const fact = facts.files[file.path];
    if (!fact?.exists) problems.push(`${file.path} is missing`);
    else if (fact.sha256 !== file.sha256) problems.push(`${file.path} does not hold what octoi installed (sha256 ${fact.sha256 ?? 'unreadable'}, expected ${file.sha256})`);
    else if (fact.mode !== file.mode || fact.owner !== 'root' || fact.group !== (file.group ?? 'root')) {
      problems.push(`${file.path} has mode ${fact.mode?.toString(8).padStart(4, '0')} ${fact.owner}:${fact.group}, expected ${file.mode.toString(8).padStart(4, '0')} root:${file.group ?? 'root'}`);
    }
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
  const main = unitFact(facts, expected.mainService);
  if (isRunning(main)) problems.push(`${expected.mainService} still runs (ActiveState=${main.activeState})`);
  for (const address of expected.listen) {
    if (heldBySystemd(address, facts.listeners)) problems.push(`systemd (pid 1) still listens on ${formatListenAddress(address)}`);
  }
  for (const path of expected.gone) {
    if (facts.files[path]?.exists) problems.push(`${path} still exists`);
  }
  return problems;
}
