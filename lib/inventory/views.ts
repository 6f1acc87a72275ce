import { OctoiError } from '../diagnostics.js';
import type { Inventory } from './inventory.js';
import { VaultedValue } from '../source/vault.js';

/**
 * The inventory as `ansible-inventory` shows it: `--list` JSON (groups with `hosts`/`children`, empty
 * ones left out, and `_meta.hostvars`) and the `--graph` tree.
 */
export function inventoryListJson(inventory: Inventory): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const seen = new Set<string>();
  const addGroup = (name: string): void => {
    const group = inventory.groups.get(name);
    if (!group) return;
    const entry: Record<string, string[]> = {};
    if (name !== 'all' && group.hosts.length > 0) entry['hosts'] = [...group.hosts];
    if (group.children.length > 0) entry['children'] = [...group.children];
    if (Object.keys(entry).length > 0) result[name] = entry;
    for (const child of group.children) {
      if (seen.has(child)) continue;
      addGroup(child);
      seen.add(child);
    }
  };
  addGroup('all');
  const hostvars: Record<string, unknown> = {};
  for (const host of inventory.hosts) {
    const vars = inventory.hostVars(host);
    if (Object.keys(vars).length > 0) hostvars[host] = vars;
  }
  result['_meta'] = { hostvars };
  return result;
}

/** `ansible-inventory --graph [GROUP]`: child groups first, then the group's own hosts. */
export function inventoryGraph(inventory: Inventory, start = 'all'): string {
  if (!inventory.groups.has(start)) {
    throw OctoiError.single('invalid-input', {
      message: `--graph needs a group name; there is no group "${start}"`,
      hint: `groups in the inventory: ${[...inventory.groups.keys()].sort().join(', ')}`,
    });
  }
  const lines: string[] = [];
  const indent = (depth: number, text: string): string => (depth > 0 ? `${'  |'.repeat(depth)}--${text}` : text);
  const walk = (name: string, depth: number): void => {
    const group = inventory.groups.get(name);
    if (!group) return;
    lines.push(indent(depth, `@${name}:`));
    for (const child of group.children) walk(child, depth + 1);
    if (name !== 'all') for (const host of group.hosts) lines.push(indent(depth + 1, host));
  };
  walk(start, 0);
  return lines.join('\n');
}

/** JSON as Ansible prints it: keys sorted at every level, four-space indentation. */
export function ansibleJson(value: unknown, depth = 0): string {
  // Ansible shows a !vault value still encrypted, and Python's json writes what JSON has no word for.
  if (value instanceof VaultedValue) return ansibleJson({ __ansible_vault: value.envelope }, depth);
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  if (Object.is(value, -0)) return '-0.0';
  const pad = ' '.repeat(4 * (depth + 1));
  const close = ' '.repeat(4 * depth);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((item) => pad + ansibleJson(item, depth + 1)).join(',\n')}\n${close}]`;
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    if (keys.length === 0) return '{}';
    const entries = keys.map((key) => `${pad}${JSON.stringify(key)}: ${ansibleJson((value as Record<string, unknown>)[key], depth + 1)}`);
    return `{\n${entries.join(',\n')}\n${close}}`;
  }
  return JSON.stringify(value ?? null);
}
