import type { Inventory } from '../inventory/index.js';
import type { Play } from './types.js';

/** Variables a template can read, by name. A Map: no name can reach an object's prototype. */
export type Variables = ReadonlyMap<string, unknown>;

/** Later layers win, as Ansible's precedence does. */
export function mergeVariables(...layers: readonly (Variables | Readonly<Record<string, unknown>> | undefined)[]): Variables {
  const merged = new Map<string, unknown>();
  for (const layer of layers) {
    for (const [name, value] of layer instanceof Map ? layer : Object.entries(layer ?? {})) merged.set(name, value);
  }
  return merged;
}

/** What a play's `name:` and `hosts:` see: only the play's `vars:` and extra vars, as in Ansible. */
export function playVariables(play: Play, extraVars: Variables): Variables {
  return mergeVariables(play.vars, extraVars);
}

/**
 * What a host's services see, lowest precedence first: the host's inventory variables (group and
 * host precedence already applied), the magic variables (inventory_hostname, group_names, ...),
 * the play's `vars:`, then extra vars.
 */
export function hostVariables(inventory: Inventory, host: string, play: Play, extraVars: Variables): Variables {
  return mergeVariables(inventory.hostVars(host), inventory.magicVars(host), play.vars, extraVars);
}
