import type { Diagnostic } from '../diagnostics.js';
import { loadInventory as loadInventorySources, type Inventory, type LoadOptions } from '../inventory/index.js';

export interface LoadedInventory {
  inventory: Inventory;
  /** What Ansible would also skip with a warning: a group that is not a mapping, a key it does not read, ... */
  warnings: readonly Diagnostic[];
}

/**
 * Loads inventory sources as `-i` does (several merge in order): YAML or INI files, inventory
 * scripts, directories of them, host lists. Throws `OctoiError('invalid-input')` with every error.
 */
export async function loadInventory(sources: string | readonly string[], options: LoadOptions = {}): Promise<LoadedInventory> {
  const inventory = await loadInventorySources(typeof sources === 'string' ? [sources] : [...sources], options);
  return { inventory, warnings: inventory.warnings };
}
