/**
 * The mutable inventory that the format readers fill in, with Ansible's rules (its `InventoryData`):
 * `all` and `ungrouped` always exist, a group cannot become its own ancestor, and after all sources
 * are read every parentless group joins `all` and every host without a group joins `ungrouped`.
 */
interface GroupData {
  name: string;
  /** Hosts added to this group directly, in the order first added. */
  hosts: string[];
  /** Child groups in the order added. */
  children: string[];
  parents: string[];
  /** Variables set by inventory sources (not group_vars/ files). */
  vars: Record<string, unknown>;
  /** `ansible_group_priority`, 1 unless an inventory source set it. */
  priority: number;
}

export interface HostData {
  name: string;
  /** Variables set by inventory sources (not host_vars/ files), including `ansible_port` from `host:PORT`. */
  vars: Record<string, unknown>;
  /** The first inventory source that named the host. */
  source: string | null;
}

/** A rule of the inventory was broken; the format reader adds where. */
export class InventoryRuleError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** More hosts than this in one inventory is an error; it bounds memory whatever the sources hold. */
export const MAX_INVENTORY_HOSTS = 100_000;

export class InventoryData {
  readonly groups = new Map<string, GroupData>();
  readonly hosts = new Map<string, HostData>();
  /** The source being read; new hosts remember it. */
  currentSource: string | null = null;

  constructor() {
    this.addGroup('all');
    this.addGroup('ungrouped');
    this.addChild('all', 'ungrouped');
  }

  addGroup(name: string): void {
    if (!name) throw new InventoryRuleError('a group name cannot be empty');
    if (!this.groups.has(name)) {
      this.groups.set(name, { name, hosts: [], children: [], parents: [], vars: {}, priority: 1 });
    }
  }

  /** Adds the host if new (a port only counts then, as in Ansible), and puts it in `group`. */
  addHost(name: string, group?: string, port?: number | null): void {
    if (!name) throw new InventoryRuleError('a host name cannot be empty');
    const target = group === undefined ? undefined : this.group(group);
    if (!this.hosts.has(name)) {
      if (this.hosts.size >= MAX_INVENTORY_HOSTS) {
        throw new InventoryRuleError(`the inventory names more than ${MAX_INVENTORY_HOSTS} hosts, more than octoi reads`, 'split the fleet into several inventories and run them one at a time');
      }
      this.hosts.set(name, { name, vars: port ? { ansible_port: port } : {}, source: this.currentSource });
    }
    if (target && !target.hosts.includes(name)) target.hosts.push(name);
  }

  setGroupVariable(group: string, key: string, value: unknown): void {
    const target = this.group(group);
    if (key === 'ansible_group_priority') target.priority = groupPriority(value, target.priority);
    else target.vars[key] = value;
  }

  setHostVariable(host: string, key: string, value: unknown): void {
    const target = this.hosts.get(host);
    if (!target) throw new InventoryRuleError(`no host named ${host}`);
    target.vars[key] = value;
  }

  /** Makes `child` (a group, or else a host) a member of `parent`. */
  addChild(parent: string, child: string): void {
    const group = this.group(parent);
    const childGroup = this.groups.get(child);
    if (!childGroup) {
      if (!this.hosts.has(child)) throw new InventoryRuleError(`${child} is not a known host nor group`);
      this.addHost(child, parent);
      return;
    }
    if (child === 'all') throw new InventoryRuleError('the group all cannot be the child of another group');
    if (child === parent) throw new InventoryRuleError(`the group ${child} cannot be its own child`);
    if (group.children.includes(child)) return;
    if (this.ancestors(parent).has(child)) {
      throw new InventoryRuleError(
        `adding the group ${child} as a child of ${parent} creates a recursive dependency loop`,
        `${child} is already an ancestor of ${parent}; remove one of the two relations`,
      );
    }
    group.children.push(child);
    if (!childGroup.parents.includes(parent)) childGroup.parents.push(parent);
  }

  ancestors(group: string): Set<string> {
    const found = new Set<string>();
    const pending = [...this.group(group).parents];
    for (let name = pending.shift(); name !== undefined; name = pending.shift()) {
      if (found.has(name)) continue;
      found.add(name);
      pending.push(...this.group(name).parents);
    }
    return found;
  }

  /** Ansible's `reconcile_inventory`, run once after every source was read. */
  reconcile(): void {
    this.currentSource = null;
    for (const group of this.groups.values()) {
      if (group.name !== 'all' && group.parents.length === 0) this.addChild('all', group.name);
    }
    const ungrouped = this.group('ungrouped');
    const groupsOfHost = this.hostGroups();
    for (const host of this.hosts.keys()) {
      const groups = groupsOfHost.get(host) ?? new Set<string>();
      const others = [...groups].filter((name) => name !== 'all' && name !== 'ungrouped');
      if (groups.has('ungrouped') && others.length > 0) {
        ungrouped.hosts.splice(ungrouped.hosts.indexOf(host), 1);
      } else if (others.length === 0 && !groups.has('ungrouped')) {
        ungrouped.hosts.push(host);
      }
    }
  }

  /** Every group each host belongs to, directly or through a child group. */
  hostGroups(): Map<string, Set<string>> {
    const result = new Map<string, Set<string>>();
    for (const group of this.groups.values()) {
      const withAncestors = [group.name, ...this.ancestors(group.name)];
      for (const host of group.hosts) {
        const groups = result.get(host) ?? new Set<string>();
        for (const name of withAncestors) groups.add(name);
        result.set(host, groups);
      }
    }
    return result;
  }

  private group(name: string): GroupData {
    const group = this.groups.get(name);
    if (!group) throw new InventoryRuleError(`no group named ${name}`);
    return group;
  }
}

/** Python's `int(value)` as Ansible applies it to `ansible_group_priority`; `null` leaves it unchanged. */
function groupPriority(value: unknown, current: number): number {
  if (value === null || value === undefined) return current;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string' && /^\s*[+-]?\d+(?:_\d+)*\s*$/.test(value)) return Number(value.trim().replaceAll('_', ''));
  throw new InventoryRuleError(
    `ansible_group_priority must be an integer, not ${JSON.stringify(value)}`,
    'write a whole number such as 10; groups of higher priority are merged later and win',
  );
}
