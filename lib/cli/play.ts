import { parseArgs } from 'node:util';
import { loadPlaybook } from '../config/playbook.js';
import { OctoiError } from '../diagnostics.js';
import { inventoryConnection } from '../inventory/connection.js';
import { loadInventory, type Inventory } from '../inventory/index.js';
import { JsonFileView } from '../report/json.js';
import { PlainView } from '../report/plain-view.js';
import { ProgressView } from '../report/progress-view.js';
import { broadcast, type View } from '../report/view.js';
import { runPlaybook, targetPlays } from '../run/run-playbook.js';
import { SessionPool } from '../run/session-pool.js';
import { resolveSshTarget } from '../ssh/ssh-config.js';
import type { SshTarget } from '../ssh/types.js';
import { exitCodeOfRun, reportError, usageError } from './exit.js';

export const playUsage = `usage: octoi play PLAYBOOK -i INVENTORY [options]

Converge every host the playbook targets: read facts, apply only what differs, verify.

options:
  -i, --inventory FILE     inventory file or directory (repeatable; sources merge)
  -l, --limit PATTERN      only hosts that also match PATTERN (repeatable; @FILE reads patterns)
  -f, --forks N            hosts worked on at once (default 50)
      --check              change nothing; report what a run would do
      --json FILE          write the result document to FILE
  -F, --ssh-config FILE    OpenSSH client config (default ~/.ssh/config when it exists)
      --accept-new         trust a host key seen for the first time and record it (a changed key still fails)
      --connect-timeout S  seconds to connect and log in (default 15)
      --command-timeout S  seconds a remote command may take (default 120)
      --plain              line output even on a terminal (the default when not a terminal)`;

export async function runPlayCommand(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        inventory: { type: 'string', short: 'i', multiple: true },
        limit: { type: 'string', short: 'l', multiple: true },
        forks: { type: 'string', short: 'f', default: '50' },
        check: { type: 'boolean', default: false },
        json: { type: 'string' },
        'ssh-config': { type: 'string', short: 'F' },
        'accept-new': { type: 'boolean', default: false },
        'connect-timeout': { type: 'string', default: '15' },
        'command-timeout': { type: 'string', default: '120' },
        plain: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      process.stdout.write(`${playUsage}\n`);
      return 0;
    }
    const [playbookFile, ...extra] = positionals;
    if (!playbookFile || extra.length > 0) throw usageError('octoi play takes exactly one playbook', playUsage);
    if (!values.inventory?.length) throw usageError('no inventory given', 'pass -i INVENTORY (for the lab: -i .lab/inventory.yml)');
    const forks = positiveInteger(values.forks, '--forks');
    const connectTimeoutMs = positiveInteger(values['connect-timeout'], '--connect-timeout') * 1000;
    const commandTimeoutMs = positiveInteger(values['command-timeout'], '--command-timeout') * 1000;

    // Everything is read and checked before any host is contacted.
    const [playbook, inventory] = await Promise.all([loadPlaybook(playbookFile), loadInventory(values.inventory)]);
    const plays = targetPlays(playbook, inventory, values.limit ?? []);
    const hosts = [...new Set(plays.flatMap((target) => target.hosts))];
    const targets = await resolveTargets(inventory, hosts, values['ssh-config'] ?? undefined, values['accept-new']);

    const views: View[] = [values.plain || !process.stdout.isTTY ? new PlainView(process.stdout) : new ProgressView(process.stdout)];
    if (values.json) views.push(new JsonFileView(values.json));
    const sessions = new SessionPool(targets, { connectTimeoutMs, commandTimeoutMs });
    const interruption = onInterrupt(() => sessions.closeAll());
    try {
      const summary = await runPlaybook({
        playbookFile: playbook.file,
        plays,
        forks,
        check: values.check,
        sessions,
        onEvent: broadcast(views),
        signal: interruption.signal,
      });
      await Promise.all(views.map((view) => view.close()));
      return exitCodeOfRun(summary.results, summary.interrupted);
    } finally {
      interruption.dispose();
    }
  } catch (error) {
    return reportError(error);
  }
}

async function resolveTargets(
  inventory: Inventory,
  hosts: readonly string[],
  configFile: string | undefined,
  acceptNew: boolean,
): Promise<Map<string, SshTarget>> {
  const targets = new Map<string, SshTarget>();
  for (const host of hosts) {
    const target = await resolveSshTarget(inventoryConnection(inventory, host), { configFile });
    if (acceptNew && target.strictHostKeyChecking === 'yes') target.strictHostKeyChecking = 'accept-new';
    targets.set(host, target);
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
function onInterrupt(closeConnections: () => Promise<void>): { signal: AbortSignal; dispose: () => void } {
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
