import { dirname, resolve } from 'node:path';
import { OctoiError, type Diagnostic } from '../diagnostics.js';
import { isIpAddress } from './address.js';
import type { HostData, InventoryData } from './inventory-data.js';
import type { EntityVars, VarsDirectory } from './vars-files.js';

/** One variable of a host and where it was set: a vars file, or `inventory group G` / `inventory host H`. */
export interface VariableOrigin {
  value: unknown;
  origin: string;
}

/** Variables set in one place, lowest precedence first in a host's list of layers. */
interface VarsLayer {
  vars: Readonly<Record<string, unknown>>;
  origin: (variable: string) => string;
}

/** A group of a loaded inventory. */
export interface InventoryGroup {
  readonly name: string;
  /** Hosts named in this group itself, in the order first added. */
  readonly hosts: readonly string[];
  readonly children: readonly string[];
  readonly parents: readonly string[];
  /** Variables from inventory sources; group_vars/ files are applied by `hostVars`. */
  readonly vars: Readonly<Record<string, unknown>>;
  /** `ansible_group_priority` (default 1). */
  readonly priority: number;
  /** Longest distance from `all` (0); shallower groups' variables are overridden by deeper ones. */
  readonly depth: number;
}

/** Variables Ansible sets itself and `ansible-inventory --list` leaves out. */
export const INTERNAL_VARS: ReadonlySet<string> = new Set([
  'ansible_diff_mode', 'ansible_config_file', 'ansible_facts', 'ansible_forks', 'ansible_inventory_sources',
  'ansible_limit', 'ansible_playbook_python', 'ansible_run_tags', 'ansible_skip_tags', 'ansible_verbosity',
  'ansible_version', 'inventory_dir', 'inventory_file', 'inventory_hostname', 'inventory_hostname_short',
  'groups', 'group_names', 'omit', 'playbook_dir',
]);

/**
 * A loaded inventory, read-only: hosts in Ansible's order, groups, and each host's variables with
 * Ansible's precedence. Built by `loadInventory`.
 */
export class Inventory {
  /** Every host, in Ansible's order (the order of the pattern `all`). */
  readonly hosts: readonly string[];
  /** Every host, in the order the sources first named them (the order host patterns match hosts in). */
  readonly declaredHosts: readonly string[];
  readonly groups: ReadonlyMap<string, InventoryGroup>;
  /** Problems Ansible also only warns about (unexpected keys, skipped entries). */
  readonly warnings: readonly Diagnostic[];
  private readonly hostData: InventoryData['hosts'];
  private readonly groupsOfHost: Map<string, Set<string>>;
  private readonly groupHostsCache = new Map<string, string[]>();

  constructor(
    data: InventoryData,
    /** group_vars/ and host_vars/ beside each inventory source, in source order. */
    private readonly varsDirectories: readonly VarsDirectory[],
    warnings: readonly Diagnostic[],
    /** group_vars/ and host_vars/ beside the playbook, which win over the inventory's of the same level. */
    private readonly playbookVars: VarsDirectory | null = null,
  ) {
    const depths = groupDepths(data);
    this.groups = new Map(
      [...data.groups.values()].map((group) => [group.name, { ...group, depth: depths.get(group.name) ?? 0 }]),
    );
    this.hostData = data.hosts;
    this.groupsOfHost = data.hostGroups();
    this.warnings = warnings;
    this.hosts = this.groupHosts('all');
    this.declaredHosts = [...data.hosts.keys()];
  }

  hasHost(name: string): boolean {
    return this.hostData.has(name);
  }

  /**
   * Hosts of a group and of its descendants, in Ansible's order: the group's own hosts, then its
   * children's, then its grandchildren's (breadth first, each level in declaration order).
   */
  groupHosts(name: string): string[] {
    const cached = this.groupHostsCache.get(name);
    if (cached) return cached;
    const group = this.group(name);
    const ordered = [group, ...group.children.map((child) => this.group(child))];
    const seen = new Set<InventoryGroup>(ordered);
    for (let level = ordered.slice(1); level.length > 0; ) {
      const next = level.flatMap((parent) => parent.children.map((child) => this.group(child))).filter((child) => !seen.has(child));
      const unique = [...new Set(next)];
      for (const child of unique) seen.add(child);
      ordered.push(...unique);
      level = unique;
    }
    const hosts = [...new Set(ordered.flatMap((member) => member.hosts))];
    this.groupHostsCache.set(name, hosts);
    return hosts;
  }

  /** The groups a host belongs to, directly or through child groups, sorted, without `all` (Ansible's `group_names`). */
  groupNames(host: string): string[] {
    return [...this.memberships(host)].filter((name) => name !== 'all').sort();
  }

  /** The inventory source that first named the host (`inventory_file`). */
  hostSource(host: string): string | null {
    return this.host(host).source;
  }

  /**
   * A host's variables as `ansible-inventory --host` shows them, lowest precedence first (Ansible's
   * VariableManager with its default VARIABLE_PRECEDENCE): `all` from inventory sources < other groups
   * (by depth, then ansible_group_priority, then name) < inventory group_vars/all < playbook
   * group_vars/all < inventory group_vars/GROUP < playbook group_vars/GROUP (same order) < the host's
   * own inventory variables < inventory host_vars/HOST < playbook host_vars/HOST.
   */
  hostVars(host: string): Record<string, unknown> {
    const merged: Record<string, unknown> = {};
    for (const layer of this.varsLayers(host)) Object.assign(merged, layer.vars);
    for (const name of INTERNAL_VARS) delete merged[name];
    return merged;
  }

  /** `hostVars`, each variable with the place its value comes from. */
  hostVarsOrigins(host: string): Record<string, VariableOrigin> {
    const result: Record<string, VariableOrigin> = {};
    for (const layer of this.varsLayers(host)) {
      for (const [name, value] of Object.entries(layer.vars)) {
        if (!INTERNAL_VARS.has(name)) result[name] = { value, origin: layer.origin(name) };
      }
    }
    return result;
  }

  private varsLayers(host: string): VarsLayer[] {
    const data = this.host(host);
    const groups = [...this.memberships(host)]
      .filter((name) => name !== 'all')
      .map((name) => this.group(name))
      .sort((a, b) => a.depth - b.depth || a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const inventoryLayer = (vars: Readonly<Record<string, unknown>>, origin: string): VarsLayer => ({ vars, origin: () => origin });
    const fileLayer = (entity: EntityVars | undefined): VarsLayer[] => (entity ? [{ vars: entity.vars, origin: (name) => entity.fileOf[name] ?? '' }] : []);
    const playbook = this.playbookVars === null ? [] : [this.playbookVars];
    const groupFiles = (directories: readonly VarsDirectory[], names: readonly string[]): VarsLayer[] =>
      directories.flatMap((directory) => names.flatMap((name) => fileLayer(directory.groups.get(name))));
    const groupNames = groups.map((group) => group.name);
    return [
      inventoryLayer(this.group('all').vars, 'inventory group all'),
      ...groups.map((group) => inventoryLayer(group.vars, `inventory group ${group.name}`)),
      ...groupFiles(this.varsDirectories, ['all']),
      ...groupFiles(playbook, ['all']),
      ...groupFiles(this.varsDirectories, groupNames),
      ...groupFiles(playbook, groupNames),
      inventoryLayer(data.vars, `inventory host ${host}`),
      ...[...this.varsDirectories, ...playbook].flatMap((directory) => fileLayer(directory.hosts.get(host))),
    ];
  }

  /** The variables Ansible sets for each host itself (for templates): inventory_hostname, group_names, ... */
  magicVars(host: string): Record<string, unknown> {
    const source = this.hostSource(host);
    return {
      inventory_hostname: host,
      inventory_hostname_short: isIpAddress(host) ? host : host.split('.')[0],
      group_names: this.groupNames(host),
      inventory_file: source === null ? null : resolve(source),
      inventory_dir: source === null ? null : dirname(resolve(source)),
    };
  }

  private memberships(host: string): Set<string> {
    this.host(host);
    return this.groupsOfHost.get(host) ?? new Set();
  }

  private host(name: string): HostData {
    const host = this.hostData.get(name);
    if (!host) throw OctoiError.single('invalid-input', { message: `no host named ${name} in the inventory`, host: name, hint: 'check the name with: octoi inventory -i INVENTORY --list' });
    return host;
  }

  private group(name: string): InventoryGroup {
    const group = this.groups.get(name);
    if (!group) throw OctoiError.single('invalid-input', { message: `no group named ${name} in the inventory`, hint: 'check the name with: octoi inventory -i INVENTORY --graph' });
    return group;
  }
}

/** Ansible's group depth: the longest path from `all`. */
function groupDepths(data: InventoryData): Map<string, number> {
  const depths = new Map<string, number>();
  const depthOf = (name: string): number => {
    const known = depths.get(name);
    if (known !== undefined) return known;
    const parents = data.groups.get(name)?.parents ?? [];
    const depth = parents.length === 0 ? 0 : Math.max(...parents.map((parent) => depthOf(parent) + 1));
    depths.set(name, depth);
    return depth;
  };
  for (const name of data.groups.keys()) depthOf(name);
  return depths;
}
