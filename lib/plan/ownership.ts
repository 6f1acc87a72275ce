import { posix } from 'node:path';
import { unitDirectoryOf } from '../facts/probe.js';
import type { HostFacts } from '../facts/types.js';
import { ancestorsAndSelf } from '../host-layout.js';
import type { DesiredService } from '../units/types.js';
import type { Refusal } from './types.js';

/** Whether octoi's record on the host lists this file as its own. */
export function isOwned(facts: HostFacts, path: string): boolean {
  return facts.owned.files.includes(path);
}

/**
 * A unit of the service's name that octoi does not write — a vendor unit in /lib or /usr/lib, a
 * runtime one in /run, a NAME.service or NAME@.service beside octoi's units that the service's
 * shape does not write and octoi did not write before — or a socket systemd loaded from
 * somewhere else: octoi would shadow it, or stop and remove it with `state: absent`.
 */
export function foreignUnitRefusals(service: DesiredService, facts: HostFacts): Refusal[] {
  // The probe lists both service units beside the socket: the one this shape writes, and any octoi wrote, are its own.
  const ownPath = (path: string): boolean => isOwned(facts, path) || (service.state === 'present' && service.files.some((file) => file.path === path));
  const found = (facts.foreignUnitFiles[service.name] ?? []).filter((path) => !ownPath(path));
  const socket = facts.units[service.socketUnit];
  const socketFile = service.files.find((file) => file.role === 'socket')?.path;
  if (socket?.loadState === 'loaded' && socket.fragmentPath !== undefined && socket.fragmentPath !== socketFile && !found.includes(socket.fragmentPath)) {
    found.push(`${socket.fragmentPath} (loaded)`);
  }
  if (found.length === 0) return [];
  return [{
    service: service.name,
    message: `${service.name} is already a unit of this host, not octoi's: ${found.join(', ')}`,
    hint: 'octoi never overrides, stops or removes units it does not own: choose another service name',
  }];
}

/** An `exec` program that is not there to run: nothing is installed that could only fail. */
export function programRefusals(service: DesiredService, facts: HostFacts): Refusal[] {
  if (service.program === null) return [];
  const state = facts.programs?.[service.program] ?? 'missing';
  if (state === 'yes') return [];
  return [{
    service: service.name,
    message: `program ${service.program} ${state === 'missing' ? 'does not exist on this host' : 'is not an executable file'}`,
    hint: 'install the program on the host first, or correct the first word of `exec`',
  }];
}

/**
 * The folders on the way to a file octoi installs must be real folders owned by root and writable
 * by nobody else, as sshd's StrictModes asks of the folders above authorized_keys: otherwise their
 * owner could swap the file octoi installs, or what it renames into place, for a link.
 */
export function directoryRefusals(service: DesiredService, facts: HostFacts): Refusal[] {
  const folders = [...new Set(service.files.flatMap((file) => ancestorsAndSelf(posix.dirname(file.path))))];
  return folders.flatMap((path): Refusal[] => {
    const fact = facts.directories[path];
    const refuse = (problem: string, hint: string): Refusal[] => [{ service: service.name, message: `${path} ${problem}`, hint }];
    if (fact === undefined || fact.kind === 'missing') return [];
    if (fact.kind === 'link') return refuse('is a symbolic link; octoi installs files only through real folders', 'use the real path in the playbook');
    if (fact.kind === 'other') return refuse('is in the way of a folder octoi needs, and is not one', 'move it away or choose another script path');
    if (fact.uid === undefined || fact.mode === undefined) return refuse('could not be read (owner and mode unknown)', 'check the folder on the host');
    const fix = `or choose a script path whose folders are root's (${posix.join('/opt', service.name)} by default)`;
    if (fact.uid !== 0) return refuse(`is owned by uid ${fact.uid}, not root: its owner could swap what octoi installs as root`, `chown root ${path}, ${fix}`);
    if ((fact.mode & 0o022) !== 0) {
      return refuse(`is writable by ${fact.mode & 0o020 ? 'its group' : 'others'} (mode ${fact.mode.toString(8).padStart(4, '0')}): they could swap what octoi installs as root`, `chmod go-w ${path}, ${fix}`);
    }
    return [];
  });
}

/**
 * Drop-ins change what a unit runs and where it listens without its file changing: in octoi's unit
 * folder they are drift and removed, unless the service allows them by name; elsewhere (/run, a
 * package's folder) octoi does not remove them and refuses the host.
 */
export function dropInsToRemove(service: DesiredService, facts: HostFacts, refusals: Refusal[]): string[] {
  const unitDirectory = unitDirectoryOf(service);
  const found = [...new Set(facts.dropIns[service.name] ?? [])].filter((path) => !service.allowedDropIns.includes(posix.basename(path))).sort();
  const outside = found.filter((path) => posix.dirname(posix.dirname(path)) !== unitDirectory);
  if (outside.length > 0) {
    refusals.push({
      service: service.name,
      message: `drop-ins outside ${unitDirectory} change ${service.name}: ${outside.join(', ')}`,
      hint: 'octoi removes drop-ins only from its own unit folder: remove them, or list them in `allow_drop_ins`',
    });
  }
  return found.filter((path) => !outside.includes(path));
}
