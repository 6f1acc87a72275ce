import { basename } from 'node:path';
import type { HostFacts } from '../facts/types.js';
import type { ManagedFile, DesiredService } from '../units/types.js';
import { unitDirectiveChanges } from '../units/unit-file.js';
import type { Action, HostPlan } from './types.js';

/**
 * What a plan would change on one host, in short phrases that are equal on hosts whose changes
 * are equal (no host names, no temp paths), so a fleet can be grouped by them.
 */
export function changePhrases(plan: HostPlan, facts: HostFacts, services: readonly DesiredService[]): string[] {
  const phrases: string[] = [];
  const files = new Map<string, ManagedFile>(services.flatMap((service) => service.files.map((file) => [file.path, file] as const)));
  for (const service of services) {
    const actions = plan.actions.filter((action) => 'service' in action && action.service === service.name);
    if (actions.length === 0) continue;
    const writes = actions.filter((action): action is Extract<Action, { kind: 'write-file' }> => action.kind === 'write-file');
    if (service.state === 'absent') {
      phrases.push(`remove ${service.name}`);
    } else if (writes.length === service.files.length && writes.every((write) => write.change === 'create')) {
      phrases.push(`install ${service.name}`);
    } else if (writes.length > 0) {
      phrases.push(...writes.flatMap((write) => writePhrases(write, files.get(write.path), facts)));
    } else {
      phrases.push(...actions.map((action) => `${action.kind.replace('-', ' ')} ${'unit' in action ? action.unit : service.name}`));
    }
  }
  if (plan.actions.some((action) => action.kind === 'remove-temp-file')) phrases.push('leftover temp files');
  if (phrases.length === 0 && plan.actions.some((action) => action.kind === 'daemon-reload')) phrases.push('daemon-reload pending');
  return phrases;
}

function writePhrases(write: Extract<Action, { kind: 'write-file' }>, file: ManagedFile | undefined, facts: HostFacts): string[] {
  const name = basename(write.path);
  if (write.change === 'create') return [`create ${name}`];
  if (write.change === 'mode') {
    const was = facts.files[write.path]?.mode;
    return [`${name} mode ${was === undefined ? '?' : was.toString(8).padStart(4, '0')}→${write.mode.toString(8).padStart(4, '0')}`];
  }
  const before = facts.fileContents?.[write.path];
  if (file?.role === 'script') return [`${name} script drift`];
  // The lines of a secret environment are its values: only that it changes is said.
  if (file?.role === 'environment') return [`${name} environment changed`];
  if (before === undefined) return [`${name} changed`];
  const changes = unitDirectiveChanges(before, write.content);
  return changes.length > 0 ? changes.map((change) => `${name} ${change}`) : [`${name} changed`];
}

export interface FleetGroup {
  hosts: string[];
  /** Empty: the hosts are in sync. */
  phrases: string[];
}

/** Hosts with the same changes, largest group first; hosts in sync form one group too. */
export function groupFleet(hosts: ReadonlyArray<{ host: string; phrases: readonly string[] }>): FleetGroup[] {
  const groups = new Map<string, FleetGroup>();
  for (const { host, phrases } of hosts) {
    const key = JSON.stringify(phrases);
    const group = groups.get(key) ?? { hosts: [], phrases: [...phrases] };
    group.hosts.push(host);
    groups.set(key, group);
  }
  return [...groups.values()].sort((a, b) => b.hosts.length - a.hosts.length || a.hosts[0]!.localeCompare(b.hosts[0]!));
}

/** `47 hosts: x.socket ListenStream 13063→13064` lines, with the host names when few. */
export function formatFleetGroups(groups: readonly FleetGroup[]): string[] {
  return groups.map((group) => {
    const count = `${group.hosts.length} ${group.hosts.length === 1 ? 'host' : 'hosts'}`;
    const names = group.hosts.length <= 5 ? ` (${group.hosts.join(', ')})` : '';
    return `${count}${names}: ${group.phrases.length === 0 ? 'in sync' : group.phrases.join('; ')}`;
  });
}

