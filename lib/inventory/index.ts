export { loadInventory, type LoadOptions } from './load.js';
export { loadVaultKeyring, VaultKeyring, VaultedValue, type VaultPasswordOptions } from '../source/vault.js';
export { Inventory, INTERNAL_VARS, type InventoryGroup, type VariableOrigin } from './inventory.js';
export { selectHosts, splitHostPattern } from './pattern.js';
export { becomeOptions, inventoryConnection, sshArgs, type ConnectionOptions, type SshArgs } from './connection.js';
export { inventoryListJson, inventoryGraph, ansibleJson } from './views.js';
