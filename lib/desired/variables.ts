import type { Play } from '../config/types.js';
import type { Inventory } from '../inventory/index.js';
import { mergeVariables, type Variables } from '../template/variables.js';

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
