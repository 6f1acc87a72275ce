import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { readExtraVars } from '../config/extra-vars.js';
import { OctoiError } from '../diagnostics.js';
import { sha256 } from '../hash.js';
import { desiredStateByHost, renderPlayHeaders, type DesiredState } from '../desired/host-services.js';
import { loadPlaybook } from '../config/playbook.js';
import type { Playbook } from '../config/types.js';
import { loadInventory, type Inventory } from '../inventory/index.js';
import { loadVaultKeyring, type VaultPasswordOptions } from '../source/vault.js';
import type { Variables } from '../template/variables.js';
import { targetPlays, type PlayTarget } from './run-playbook.js';
import { parseShard, shardPlays } from './shard.js';
import type { Shard } from './types.js';

export interface PreparedRun {
  playbook: Playbook;
  inventory: Inventory;
  plays: PlayTarget[];
  /** Each targeted host's services, per play, with its variables applied. */
  desired: DesiredState;
  /** Every targeted host once, in inventory order. */
  hosts: string[];
  /**
   * Equal for every part of one sharded run: the playbook's path and text and the hosts every play
   * targets before the split, so parts of different runs are never joined.
   */
  runId: string;
  shard?: Shard;
}

interface PrepareOptions {
  playbookFile: string;
  inventories: readonly string[];
  limit: readonly string[];
  /** `-e` options as given. */
  extraVars: readonly string[];
  /** `K/N` */
  shard?: string | undefined;
  /** Where vault passwords come from; none means `!vault` values fail when used. */
  vault?: VaultPasswordOptions;
}

interface PlaySelection {
  /** `--limit` patterns: they narrow every play. */
  limit?: readonly string[];
  /** Extra vars (`-e`), which `name:` and `hosts:` may use. */
  extraVars?: Variables;
  /** Only these hosts (the resolved targets): the plays' others are left out, as a limit leaves them. */
  among?: { has(host: string): boolean };
}

/** Every play with its hosts: `name:` and `hosts:` rendered, patterns matched, narrowed by the limit. */
export function selectPlays(playbook: Playbook, inventory: Inventory, selection: PlaySelection = {}): PlayTarget[] {
  const targeted = targetPlays(renderPlayHeaders(playbook, selection.extraVars ?? new Map()), inventory, selection.limit ?? []);
  const among = selection.among;
  return among ? targeted.map((target) => ({ ...target, hosts: target.hosts.filter((host) => among.has(host)) })) : targeted;
}

/** Every host of the plays once, in inventory order. */
function hostsOfPlays(plays: readonly PlayTarget[]): string[] {
  return [...new Set(plays.flatMap((target) => target.hosts))];
}

/**
 * Everything a run needs that can be known without a host: the playbook and inventory read and
 * validated, patterns matched, every host's services rendered. All of it fails before any host is
 * contacted.
 */
export async function prepareRun(options: PrepareOptions): Promise<PreparedRun> {
  const vault = await loadVaultKeyring(options.vault);
  const [playbook, inventory, extraVars] = await everyInput(
    loadPlaybook(options.playbookFile),
    loadInventory([...options.inventories], { playbookDir: dirname(resolve(options.playbookFile)), vault }),
    readExtraVars(options.extraVars, vault),
  );
  return withInventoryWarnings(inventory, async () => {
    const targeted = selectPlays(playbook, inventory, { limit: options.limit, extraVars });
    const shard = options.shard ? parseShard(options.shard) : undefined;
    const plays = shard ? shardPlays(targeted, shard) : targeted;
    const desired = await desiredStateByHost(plays, inventory, extraVars);
    const playbookText = await readFile(playbook.file, 'utf8');
    const runId = sha256(JSON.stringify([playbook.file, sha256(playbookText), targeted.map((target) => target.hosts)]));
    return { playbook, inventory, plays, desired, hosts: hostsOfPlays(plays), runId, ...(shard ? { shard } : {}) };
  });
}

/**
 * What is done with an inventory once it is read: when that fails on the input, the inventory's
 * warnings come first among the diagnostics, as they often say why (a misspelt `hosts:` key, and no
 * host matches).
 */
/**
 * The playbook, the inventory and the extra vars, read at once. When any is invalid, one error says
 * all that is wrong with them, after the inventory's warnings (which often explain it).
 */
async function everyInput<P, V>(playbook: Promise<P>, inventory: Promise<Inventory>, extraVars: Promise<V>): Promise<[P, Inventory, V]> {
  const [read, loaded, vars] = await Promise.allSettled([playbook, inventory, extraVars]);
  if (read.status === 'fulfilled' && loaded.status === 'fulfilled' && vars.status === 'fulfilled') return [read.value, loaded.value, vars.value];
  const errors = [read, loaded, vars].flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
  const inputErrors = errors.filter((error): error is OctoiError => error instanceof OctoiError);
  const [first] = inputErrors;
  if (!first || inputErrors.length < errors.length) throw errors.find((error) => !(error instanceof OctoiError)) ?? errors[0];
  const warnings = loaded.status === 'fulfilled' ? loaded.value.warnings : [];
  throw new OctoiError(first.kind, [...warnings, ...inputErrors.flatMap((error) => error.diagnostics)]);
}

export async function withInventoryWarnings<T>(inventory: Inventory, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof OctoiError) || inventory.warnings.length === 0) throw error;
    throw new OctoiError(error.kind, [...inventory.warnings, ...error.diagnostics]);
  }
}
