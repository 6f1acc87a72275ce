import { OctoiError } from '../diagnostics.js';
import { inventoryConnection } from '../inventory/connection.js';
import type { Inventory } from '../inventory/index.js';
import { resolveSshTarget } from '../ssh/ssh-config.js';
import type { SshTarget } from '../ssh/types.js';
import { usageError } from './exit.js';

/** Shared by every command that reaches hosts: inventory connection variables + ssh_config, resolved before connecting. */
export async function resolveTargets(inventory: Inventory, hosts: readonly string[], configFile: string | undefined, acceptNew: boolean): Promise<Map<string, SshTarget>> {
  const targets = new Map<string, SshTarget>();
  for (const host of hosts) {
    const target = await resolveSshTarget(inventoryConnection(inventory, host), { configFile });
    if (acceptNew && target.strictHostKeyChecking === 'yes') target.strictHostKeyChecking = 'accept-new';
    targets.set(host, target);
  }
  return targets;
}

export function positiveInteger(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw usageError(`${option} must be a whole number of at least 1, not "${text}"`, `for example ${option} 10`);
  return value;
}

/**
 * The first SIGINT/SIGTERM stops new hosts from starting and lets those in progress finish
 * their step for a few seconds; a second one, or the grace period running out, closes every
 * connection at once. Either way the recap says what was done.
 */
export function onInterrupt(closeConnections: () => Promise<void>): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const handler = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      void closeConnections();
      return;
    }
    process.stderr.write(`octoi: ${signal}: no new host starts; hosts in progress get 5 s to finish (again to stop now)\n`);
    controller.abort(new OctoiError('interrupted', [{ severity: 'error', message: `interrupted by ${signal}` }]));
    timer = setTimeout(() => void closeConnections(), 5000);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
