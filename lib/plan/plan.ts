import { posix } from 'node:path';
import type { FileFact, HostFacts } from '../facts/types.js';
import { sha256 } from '../hash.js';
import { ancestorsAndSelf } from '../host-layout.js';
import { isUnitFile } from '../units/names.js';
import type { DesiredService, ManagedFile } from '../units/types.js';
import { formatListenAddress, heldBySystemd } from './listeners.js';
import { directoryRefusals, dropInsToRemove, foreignUnitRefusals, isOwned, programRefusals } from './ownership.js';
import type { Action, Expectation, HostPlan, Refusal } from './types.js';
import { isEnabled, isRunning, unitFact } from './unit-state.js';

type WriteFile = Extract<Action, { kind: 'write-file' }>;

/** Actions run in this order of phases; within a phase, in the order services are declared. */
interface Phases {
  temps: Action[];
  directories: Action[];
  groups: Action[];
  adoptions: Action[];
  stops: Action[];
  writes: Action[];
  removals: Action[];
  /** `systemctl enable` without its own reload: the plan's one reload below picks up the new links. */
  enables: Action[];
  reload: boolean;
  starts: Action[];
  resets: Action[];
  refusals: Refusal[];
}

/**
 * Decide, from the host's state and octoi's own record on it, what brings it to the desired
 * state. Nothing that octoi does not own is written, replaced or removed: such a host gets
 * refusals instead of actions. A run that died half-way leaves facts (temp files, pending
 * restarts, NeedDaemonReload, a socket not holding its addresses) from which the next run
 * finishes the work.
 */
export function planHost(services: readonly DesiredService[], facts: HostFacts): HostPlan {
  const phases: Phases = { temps: [], directories: [], groups: [], adoptions: [], stops: [], writes: [], removals: [], enables: [], reload: false, starts: [], resets: [], refusals: [] };
  for (const service of services) {
    phases.refusals.push(...foreignUnitRefusals(service, facts));
    if (service.state === 'present') planPresent(service, facts, phases);
    else planAbsent(service, facts, phases);
  }
  const expectations = services.map(expectation);
  if (phases.refusals.length > 0) return { actions: [], expectations, refusals: phases.refusals };
  phases.temps = facts.leftoverTempFiles.map((path) => ({ kind: 'remove-temp-file', path }));
  const actions: Action[] = [
    ...phases.temps,
    ...phases.directories,
    ...phases.groups,
    ...phases.adoptions,
    ...phases.stops,
    ...phases.writes,
    ...phases.removals,
    ...phases.enables,
    ...(phases.reload ? [{ kind: 'daemon-reload' } as const] : []),
    ...phases.starts,
    ...phases.resets,
  ];
  return { actions, expectations, refusals: [] };
}

function planPresent(service: DesiredService, facts: HostFacts, phases: Phases): void {
  phases.refusals.push(...directoryRefusals(service, facts), ...programRefusals(service, facts));
  for (const directory of missingDirectories(service, facts)) {
    if (!phases.directories.some((action) => action.kind === 'create-directory' && action.path === directory)) {
      phases.directories.push({ kind: 'create-directory', path: directory, service: service.name });
    }
  }
  for (const group of new Set(service.files.flatMap((file) => (file.group === undefined ? [] : [file.group])))) {
    if (!facts.groups.includes(group)) phases.groups.push({ kind: 'create-group', group, service: service.name });
  }
  const writes = service.files.flatMap((file) => writeFor(service, file, facts, phases));
  phases.writes.push(...writes);
  const dropIns = dropInsToRemove(service, facts, phases.refusals);
  phases.removals.push(...dropIns.map((path): Action => ({ kind: 'remove-drop-in', path, service: service.name })));
  const leftoverUnitRemoved = planLeftovers(service, facts, phases);

  const socket = unitFact(facts, service.socketUnit);
  const main = unitFact(facts, service.mainService);
  const written = (role: ManagedFile['role']): boolean => writes.some((w) => w.change !== 'mode' && roleOf(service, w.path) === role);
  const unitWritten = written('socket') || written('service');
  const staleMain = !service.accept && main.needDaemonReload;
  if (unitWritten || dropIns.length > 0 || socket.needDaemonReload || staleMain || leftoverUnitRemoved) phases.reload = true;

  const enabled = isEnabled(socket);
  const active = socket.activeState === 'active';
  if (!enabled) phases.enables.push({ kind: 'enable-socket', unit: service.socketUnit, service: service.name });
  // New links, and those a failed or interrupted run left unreloaded, reach systemd's dependencies
  // (sockets.target wants the socket) only by a reload, as `systemctl enable --now` would do.
  if (!enabled || !active) phases.reload = true;
  let socketStarts = !active;
  if (!active) {
    phases.starts.push({ kind: 'start-socket', unit: service.socketUnit, service: service.name, enabledNow: !enabled });
  } else {
    const socketChanged = written('socket') || dropIns.some((path) => dropInOf(path) === service.socketUnit);
    const reason = restartReason(service, facts, socketChanged, socket.needDaemonReload);
    if (reason) phases.starts.push({ kind: 'restart-socket', unit: service.socketUnit, service: service.name, reason });
    socketStarts = reason !== null;
  }
  if (service.accept) return;
  if (socketStarts) {
    // systemd refuses to start an Accept=no socket while its service runs: the service stops
    // first, and the next connection starts it with the new socket.
    if (isRunning(main)) phases.stops.push({ kind: 'stop-service', unit: service.mainService, service: service.name, reason: 'its socket starts anew; the next connection starts it again' });
    return;
  }
  const changed = [
    ...(written('service') || dropIns.some((path) => dropInOf(path) === service.mainService) ? [{ what: 'service unit', keeps: 'its old program, environment and settings' }] : staleMain ? [{ what: 'service unit on disk', keeps: 'its old program, environment and settings' }] : []),
    ...(written('script') ? [{ what: 'script', keeps: 'the old code' }] : []),
    ...(written('environment') ? [{ what: 'environment', keeps: 'its old environment' }] : []),
  ];
  const pending = facts.pendingRestarts.includes(service.mainService);
  const reasons = [
    ...(changed.length > 0 ? [`${changed.map((c) => c.what).join(', ')} changed: the running process keeps ${changed.map((c) => c.keeps).join(' and ')} otherwise`] : []),
    ...(pending ? ['pending from an interrupted run'] : []),
  ];
  // A service that does not run starts with what is on disk; a pending line is cleared by the run.
  if (reasons.length > 0 && (isRunning(main) || pending)) {
    phases.starts.push({ kind: 'restart-service', unit: service.mainService, service: service.name, reason: reasons.join('; ') });
  }
}

/** `NAME.socket` for a drop-in `…/NAME.socket.d/x.conf`. */
function dropInOf(path: string): string {
  return posix.basename(posix.dirname(path)).replace(/\.d$/, '');
}

/**
 * Files octoi wrote for the service in another shape (the other service unit, a script that `exec`
 * replaced, an environment file no longer secret): what they start stops, then they go. Returns
 * whether a unit went, which needs a reload.
 */
function planLeftovers(service: DesiredService, facts: HostFacts, phases: Phases): boolean {
  const leftovers = service.leftovers.filter((path) => facts.files[path]?.exists && isOwned(facts, path));
  const unitDirectory = posix.dirname(service.files.find((file) => file.role === 'socket')?.path ?? '');
  const isUnit = (name: string): boolean => leftovers.includes(posix.join(unitDirectory, name));
  if (isUnit(service.serviceTemplate) && (facts.runningInstances[service.serviceTemplate] ?? []).length > 0) {
    phases.stops.push({ kind: 'stop-instances', template: service.serviceTemplate, service: service.name });
  }
  if (isUnit(service.mainService) && isRunning(unitFact(facts, service.mainService))) {
    phases.stops.push({ kind: 'stop-service', unit: service.mainService, service: service.name, reason: 'accept: true starts an instance per connection instead' });
  }
  phases.removals.push(...leftovers.map((path): Action => ({ kind: 'remove-file', path, service: service.name })));
  phases.removals.push(...removableDirectories(service.leftovers, facts, leftovers).map((path): Action => ({ kind: 'remove-directory', path, service: service.name })));
  return isUnit(service.serviceTemplate) || isUnit(service.mainService);
}

/** Socket settings, listen addresses above all, only take effect when the socket restarts. */
function restartReason(service: DesiredService, facts: HostFacts, socketChanged: boolean, stale: boolean): string | null {
  const missing = service.listen.filter((address) => !heldBySystemd(address, facts.listeners));
  const reasons = [
    ...(socketChanged ? ['socket unit changed'] : stale ? ['socket unit changed on disk since systemd loaded it'] : []),
    ...(missing.length > 0 ? [`not listening on ${missing.map(formatListenAddress).join(', ')}`] : []),
    ...(facts.pendingRestarts.includes(service.socketUnit) ? ['pending from an interrupted run'] : []),
  ];
  return reasons.length > 0 ? reasons.join('; ') : null;
}

/** Folders on the way to the service's files that do not exist yet, outermost first: octoi creates and owns them. */
function missingDirectories(service: DesiredService, facts: HostFacts): string[] {
  const wanted = service.files.flatMap((file) => ancestorsAndSelf(posix.dirname(file.path)));
  return [...new Set(wanted)].filter((dir) => facts.directories[dir]?.kind === 'missing').sort((a, b) => a.length - b.length);
}

function writeFor(service: DesiredService, file: ManagedFile, facts: HostFacts, phases: Phases): WriteFile[] {
  const fact = facts.files[file.path];
  if (fact?.exists && fact.kind !== undefined) {
    phases.refusals.push({
      service: service.name,
      message: `${file.path} is ${fact.kind === 'link' ? 'a symbolic link' : 'not a regular file'}; octoi never writes through or over it`,
      hint: 'look at what it is and why it is there; remove it yourself if octoi should install its file',
    });
    return [];
  }
  if (fact?.exists && !isOwned(facts, file.path)) {
    if (fact.sha256 !== undefined && (fact.sha256 === sha256(file.content) || file.earlierVersions.includes(fact.sha256))) {
      phases.adoptions.push({ kind: 'adopt-file', path: file.path, service: service.name, reason: 'identical to what octoi writes' });
    } else if (service.adopt) {
      phases.adoptions.push({ kind: 'adopt-file', path: file.path, service: service.name, reason: 'adopt: true' });
    } else {
      phases.refusals.push({
        service: service.name,
        message: `${file.path} exists and octoi did not write it`,
        hint: 'octoi replaces only files it owns: rename the service, remove the file, or set `adopt: true` on the service to take it over',
      });
      return [];
    }
  }
  const change = changeOf(file, fact);
  if (!change) return [];
  return [{
    kind: 'write-file', path: file.path, content: file.content, mode: file.mode, change, service: service.name,
    ...(file.group ? { group: file.group } : {}),
    ...(file.privileged && change !== 'mode' ? { privileged: file.privileged } : {}),
  }];
}

function changeOf(file: ManagedFile, fact: FileFact | undefined): WriteFile['change'] | null {
  if (!fact?.exists) return 'create';
  if (fact.sha256 !== sha256(file.content)) return 'update';
  if (fact.mode !== file.mode || fact.owner !== 'root' || fact.group !== (file.group ?? 'root')) return 'mode';
  return null;
}

function planAbsent(service: DesiredService, facts: HostFacts, phases: Phases): void {
  const socket = unitFact(facts, service.socketUnit);
  const name = service.name;
  const present = service.files.filter((file) => facts.files[file.path]?.exists);
  const foreign = present.filter((file) => !isOwned(facts, file.path) && !service.adopt);
  for (const file of foreign) {
    phases.refusals.push({
      service: name,
      message: `${file.path} exists and octoi did not write it; state: absent removes only what octoi owns`,
      hint: 'remove it yourself, or set `adopt: true` on the service to let octoi remove it',
    });
  }
  if (foreign.length > 0) return;
  if (isEnabled(socket) || isRunning(socket)) phases.stops.push({ kind: 'disable-socket', unit: service.socketUnit, service: name });
  // The links are removed without systemctl's own reload: the plan's one reload follows.
  if (isEnabled(socket)) phases.reload = true;
  if ((facts.runningInstances[service.serviceTemplate] ?? []).length > 0) {
    phases.stops.push({ kind: 'stop-instances', template: service.serviceTemplate, service: name });
  }
  if (isRunning(unitFact(facts, service.mainService))) phases.stops.push({ kind: 'stop-service', unit: service.mainService, service: name, reason: 'state: absent' });
  phases.removals.push(...present.map((file): Action => ({ kind: 'remove-file', path: file.path, service: name })));
  phases.removals.push(...removableDirectories(service.files.map((file) => file.path), facts, present.map((file) => file.path)).map((path): Action => ({ kind: 'remove-directory', path, service: name })));
  if (facts.owned.groups.includes(service.secretGroup)) phases.resets.push({ kind: 'remove-group', group: service.secretGroup, service: name });
  // A removed unit file not yet reloaded shows as NeedDaemonReload=yes: a crashed run is finished here.
  if (present.some(isUnitFile) || socket.needDaemonReload) phases.reload = true;
  const failed = failedUnits(service, facts);
  if (failed.length > 0) phases.resets.push({ kind: 'reset-failed', units: failed, service: name });
}

/**
 * The folders on the way to `paths` that octoi made and that hold nothing but what this plan
 * removes, deepest first: a folder with anything else in it stays.
 */
function removableDirectories(paths: readonly string[], facts: HostFacts, removedFiles: readonly string[]): string[] {
  const candidates = [...new Set(paths.flatMap((path) => ancestorsAndSelf(posix.dirname(path))))]
    .filter((dir) => facts.owned.directories.includes(dir) && facts.directories[dir]?.kind === 'directory')
    .sort((a, b) => b.length - a.length);
  const removed = new Set(removedFiles);
  for (const dir of candidates) {
    const entries = facts.directories[dir]?.entries;
    const leaving = [...removed].filter((path) => posix.dirname(path) === dir).length;
    if (entries !== undefined && entries === leaving) removed.add(dir);
  }
  return candidates.filter((dir) => removed.has(dir));
}

function failedUnits(service: DesiredService, facts: HostFacts): string[] {
  const instancePrefix = service.serviceTemplate.replace(/\.service$/, '');
  return Object.values(facts.units)
    .filter((unit) => unit.activeState === 'failed')
    .map((unit) => unit.id)
    .filter((id) => id === service.socketUnit || id === service.mainService || (id.startsWith(instancePrefix) && id.endsWith('.service')))
    .sort();
}

function expectation(service: DesiredService): Expectation {
  const present = service.state === 'present';
  return {
    service: service.name,
    socketUnit: service.socketUnit,
    mainService: service.mainService,
    state: service.state,
    listen: service.listen,
    files: present ? service.files.map((file) => ({ path: file.path, sha256: sha256(file.content), mode: file.mode, ...(file.group ? { group: file.group } : {}) })) : [],
    gone: present ? [] : service.files.map((file) => file.path),
  };
}

function roleOf(service: DesiredService, path: string): ManagedFile['role'] | undefined {
  return service.files.find((file) => file.path === path)?.role;
}
