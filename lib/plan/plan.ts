import { createHash } from 'node:crypto';
import { tempPathFor } from '../apply/script.js';
import type { FileFact, HostFacts } from '../facts/types.js';
import type { DesiredService, ManagedFile } from '../units/types.js';
import { formatListenAddress, heldBySystemd } from './listeners.js';
import type { Action, Expectation, HostPlan } from './types.js';
import { isEnabled, isRunning, unitFact } from './unit-state.js';

type WriteFile = Extract<Action, { kind: 'write-file' }>;

/** Actions run in this order of phases; within a phase, in the order services are declared. */
interface Phases {
  temps: Action[];
  stops: Action[];
  writes: Action[];
  removals: Action[];
  /** `systemctl enable` without its own reload: the plan's one reload below picks up the new links. */
  enables: Action[];
  reload: boolean;
  starts: Action[];
  resets: Action[];
}

/**
 * Decide, from the host's live state alone, what brings it to the desired state. Nothing is
 * remembered between runs: a run that died half-way leaves facts (temp files, NeedDaemonReload,
 * a socket not holding its addresses) from which the next run finishes the work.
 */
export function planHost(services: readonly DesiredService[], facts: HostFacts): HostPlan {
  const phases: Phases = { temps: [], stops: [], writes: [], removals: [], enables: [], reload: false, starts: [], resets: [] };
  for (const service of services) {
    if (service.state === 'present') planPresent(service, facts, phases);
    else planAbsent(service, facts, phases);
  }
  // A leftover this run uploads again is overwritten by the upload, which comes before every
  // step: removing it then would delete the new file before it is installed.
  const uploaded = new Set(phases.writes.flatMap((write) => (write.kind === 'write-file' ? [tempPathFor(write.path)] : [])));
  phases.temps = [...facts.leftoverTempFiles].filter((path) => !uploaded.has(path)).sort().map((path) => ({ kind: 'remove-temp-file', path }));
  const actions: Action[] = [
    ...phases.temps,
    ...phases.stops,
    ...phases.writes,
    ...phases.removals,
    ...phases.enables,
    ...(phases.reload ? [{ kind: 'daemon-reload' } as const] : []),
    ...phases.starts,
    ...phases.resets,
  ];
  return { actions, expectations: services.map(expectation) };
}

function planPresent(service: DesiredService, facts: HostFacts, phases: Phases): void {
  const writes = service.files.flatMap((file) => writeFor(service, file, facts.files[file.path]));
  phases.writes.push(...writes);
  const socket = unitFact(facts, service.socketUnit);
  const unitWritten = writes.some((w) => w.change !== 'mode' && roleOf(service, w.path) !== 'script');
  if (unitWritten || socket.needDaemonReload) phases.reload = true;

  const enabled = isEnabled(socket);
  const active = socket.activeState === 'active';
  if (!enabled) phases.enables.push({ kind: 'enable-socket', unit: service.socketUnit, service: service.name });
  // New links, and those a failed or interrupted run left unreloaded, reach systemd's dependencies
  // (sockets.target wants the socket) only by a reload, as `systemctl enable --now` would do.
  if (!enabled || !active) phases.reload = true;
  if (!active) {
    phases.starts.push({ kind: 'start-socket', unit: service.socketUnit, service: service.name });
  } else {
    const socketWritten = writes.some((w) => w.change !== 'mode' && roleOf(service, w.path) === 'socket');
    const reason = restartReason(service, facts, socketWritten, socket.needDaemonReload);
    if (reason) phases.starts.push({ kind: 'restart-socket', unit: service.socketUnit, service: service.name, reason });
  }
}

/** Socket settings, listen addresses above all, only take effect when the socket restarts. */
function restartReason(service: DesiredService, facts: HostFacts, socketWritten: boolean, stale: boolean): string | null {
  const missing = service.listen.filter((address) => !heldBySystemd(address, facts.listeners));
  const reasons = [
    ...(socketWritten ? ['socket unit changed'] : stale ? ['socket unit changed on disk since systemd loaded it'] : []),
    ...(missing.length > 0 ? [`not listening on ${missing.map(formatListenAddress).join(', ')}`] : []),
  ];
  return reasons.length > 0 ? reasons.join('; ') : null;
}

function writeFor(service: DesiredService, file: ManagedFile, fact: FileFact | undefined): WriteFile[] {
  const change = changeOf(file, fact);
  if (!change) return [];
  return [{ kind: 'write-file', path: file.path, content: file.content, mode: file.mode, change, service: service.name }];
}

function changeOf(file: ManagedFile, fact: FileFact | undefined): WriteFile['change'] | null {
  if (!fact?.exists) return 'create';
  if (fact.sha256 !== sha256(file.content)) return 'update';
  if (fact.mode !== file.mode || fact.owner !== 'root' || fact.group !== 'root') return 'mode';
  return null;
}

function planAbsent(service: DesiredService, facts: HostFacts, phases: Phases): void {
  const socket = unitFact(facts, service.socketUnit);
  const name = service.name;
  if (isEnabled(socket) || isRunning(socket)) phases.stops.push({ kind: 'disable-socket', unit: service.socketUnit, service: name });
  // The links are removed without systemctl's own reload: the plan's one reload follows.
  if (isEnabled(socket)) phases.reload = true;
  if ((facts.runningInstances[service.serviceTemplate] ?? []).length > 0) {
    phases.stops.push({ kind: 'stop-instances', template: service.serviceTemplate, service: name });
  }
  const files = service.files.filter((file) => facts.files[file.path]?.exists);
  phases.removals.push(...files.map((file): Action => ({ kind: 'remove-file', path: file.path, service: name })));
  const directories = service.ownedDirectories.filter((dir) => facts.existingDirectories.includes(dir));
  phases.removals.push(...directories.map((path): Action => ({ kind: 'remove-directory', path, service: name })));
  // A removed unit file not yet reloaded shows as NeedDaemonReload=yes: a crashed run is finished here.
  if (files.some((file) => file.role !== 'script') || socket.needDaemonReload) phases.reload = true;
  const failed = failedUnits(service, facts);
  if (failed.length > 0) phases.resets.push({ kind: 'reset-failed', units: failed, service: name });
}

function failedUnits(service: DesiredService, facts: HostFacts): string[] {
  const instancePrefix = service.serviceTemplate.replace(/\.service$/, '');
  return Object.values(facts.units)
    .filter((unit) => unit.activeState === 'failed')
    .map((unit) => unit.id)
    .filter((id) => id === service.socketUnit || (id.startsWith(instancePrefix) && id.endsWith('.service')))
    .sort();
}

function expectation(service: DesiredService): Expectation {
  const paths = service.files.map((file) => file.path);
  return {
    service: service.name,
    socketUnit: service.socketUnit,
    state: service.state,
    listen: service.listen,
    paths: service.state === 'present' ? paths : [...paths, ...service.ownedDirectories],
  };
}

function roleOf(service: DesiredService, path: string): ManagedFile['role'] | undefined {
  return service.files.find((file) => file.path === path)?.role;
}

export function sha256(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}
