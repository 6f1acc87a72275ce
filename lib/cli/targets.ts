import { OctoiError } from '../diagnostics.js';
import { becomeOptions, inventoryConnection } from '../inventory/connection.js';
import type { Inventory } from '../inventory/index.js';
import { resolveSshTarget, SshConfigCache } from '../ssh/ssh-config.js';
import type { HostTarget } from '../run/session-pool.js';
import { usageError } from './exit.js';

/** The options of every command that reaches hosts, for `parseArgs`. */
export const fleetOptions = {
  inventory: { type: 'string', short: 'i', multiple: true },
  limit: { type: 'string', short: 'l', multiple: true },
  forks: { type: 'string', short: 'f', default: '50' },
  json: { type: 'string' },
  'extra-vars': { type: 'string', short: 'e', multiple: true },
  'ssh-config': { type: 'string', short: 'F' },
  'accept-new': { type: 'boolean', default: false },
  'connect-timeout': { type: 'string', default: '15' },
  'command-timeout': { type: 'string', default: '120' },
  'lock-timeout': { type: 'string', default: '30' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export const fleetOptionsUsage = `  -i, --inventory FILE     inventory file or directory (repeatable; sources merge)
  -l, --limit PATTERN      only hosts that also match PATTERN (repeatable; @FILE reads patterns)
  -e, --extra-vars VARS    variables for {{ }}: NAME=VALUE, '{"NAME": VALUE}' or @FILE (repeatable; later wins)
  -f, --forks N            hosts worked on at once (default 50)
  -F, --ssh-config FILE    OpenSSH client config (default ~/.ssh/config when it exists)
      --accept-new         trust a host key seen for the first time and record it (a changed key still fails)
      --connect-timeout S  seconds to connect and log in (default 15)
      --command-timeout S  seconds a remote command may take (default 120)
      --lock-timeout S     seconds to wait while another octoi run holds a host (default 30)`;

export interface FleetSettings {
  inventories: string[];
  limit: string[];
  forks: number;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  lockWaitSeconds: number;
}

/** Checks the parsed fleet options; throws invalid-input naming the option. */
export function fleetSettings(values: {
  inventory?: string[] | undefined;
  limit?: string[] | undefined;
  forks: string;
  'connect-timeout': string;
  'command-timeout': string;
  'lock-timeout': string;
}): FleetSettings {
  if (!values.inventory?.length) throw usageError('no inventory given', 'pass -i INVENTORY (for the lab: -i .lab/inventory.yml)');
  return {
    inventories: values.inventory,
    limit: values.limit ?? [],
    forks: positiveInteger(values.forks, '--forks'),
    connectTimeoutMs: positiveInteger(values['connect-timeout'], '--connect-timeout') * 1000,
    commandTimeoutMs: positiveInteger(values['command-timeout'], '--command-timeout') * 1000,
    lockWaitSeconds: positiveInteger(values['lock-timeout'], '--lock-timeout'),
  };
}

/**
 * Shared by every command that reaches hosts: inventory connection variables + ssh_config (the
 * inventory's `-F` before the command line's, as ssh takes the last one) and become, resolved
 * before connecting; each ssh_config file is parsed once for all hosts. --accept-new holds for the jump hosts too.
 */
export async function resolveTargets(inventory: Inventory, hosts: readonly string[], configFile: string | undefined, acceptNew: boolean): Promise<Map<string, HostTarget>> {
  const targets = new Map<string, HostTarget>();
  const cache = new SshConfigCache();
  for (const host of hosts) {
    const connection = inventoryConnection(inventory, host);
    const ssh = await resolveSshTarget(connection, { configFile: connection.configFile ?? configFile, cache });
    for (const hop of [ssh, ...ssh.proxyJump]) {
      if (acceptNew && hop.strictHostKeyChecking === 'yes') hop.strictHostKeyChecking = 'accept-new';
    }
    const become = becomeOptions(connection, process.env);
    targets.set(host, become === undefined ? { ssh } : { ssh, become });
  }
  return targets;
}

function positiveInteger(text: string, option: string): number {
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
