import { parseArgs } from 'node:util';
import type { AnsibleConfig } from '../config/ansible-cfg.js';
import { ExitCode } from '../exit-codes.js';
import { loadInventory, selectHosts } from '../inventory/index.js';
import { withInventoryWarnings } from '../run/prepare.js';
import { loadVaultKeyring } from '../source/vault.js';
import { status, type StatusFleet } from '../api/status.js';
import { UNIT_DIRECTORY } from '../units/names.js';
import { exitCodeOfRun, reportError, usageError } from './exit.js';
import { connectionTargets, readFleetInput, runFleetCommand, statusViews, type FleetCommand, type PlaybookValues } from './fleet-command.js';
import { fleetOptions, fleetOptionsUsage, fleetSettings, ansibleConfigWarnings, type FleetSettings } from './targets.js';
import { loadAnsibleConfig } from '../config/ansible-cfg.js';

const statusUsage = `usage: octoi status -i INVENTORY [PLAYBOOK] [options]

Show, per host and service, whether its socket is enabled and active, the addresses systemd
(pid 1) listens on for it, the socket's counters (NAccepted, NConnections, NRefused) and the
service's exposure score from systemd-analyze security (unknown without it).
For an Accept=no service, also the state and main PID of the NAME.service it starts.
With PLAYBOOK: the services each host is targeted with. Without: every NAME.socket in
${UNIT_DIRECTORY} that has a NAME@.service template or a NAME.service beside it. Changes
nothing; one remote command per host.

options (without --limit: every host):
${fleetOptionsUsage}
      --json FILE          write {hosts: {NAME: {status, services: {SVC: {...}}, error?}}} to FILE
      --events FILE        write one JSON line per event: each host's status as it is read

exit codes: 0 every host read, 2 a host's status could not be read, 3 a host was unreachable,
4 invalid input, 5 no host matched, 130 interrupted`;

export async function runStatusCommand(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...fleetOptions, events: { type: 'string' } },
    });
    if (values.help) {
      process.stdout.write(`${statusUsage}\n`);
      return ExitCode.ok;
    }
    return await runFleetCommand(statusViews(values), async (command) => {
      const [playbookFile, ...extra] = positionals;
      if (extra.length > 0) throw usageError('octoi status takes at most one playbook', statusUsage);
      const config = loadAnsibleConfig();
      command.warn(ansibleConfigWarnings(config));
      const settings = fleetSettings(values, config);
      // Everything is read and checked before any host is contacted.
      const fleet = playbookFile ? await playbookFleet(command, playbookFile, values, config, settings) : await inventoryFleet(command, values, config, settings);
      const read = await status(fleet, { forks: settings.forks, sessions: command.connect(fleet.targets, settings), signal: command.signal, onEvent: command.show });
      return exitCodeOfRun(Object.values(read.hosts), read.interrupted);
    });
  } catch (error) {
    return reportError(error);
  }
}

/** The services a playbook targets each host with. */
async function playbookFleet(command: FleetCommand, playbookFile: string, values: PlaybookValues, config: AnsibleConfig, settings: FleetSettings): Promise<StatusFleet> {
  const { prepared, targets } = await readFleetInput(command, playbookFile, values, config, settings);
  return { ...prepared, targets };
}

/** Every host of the inventory (or of --limit), asked for the services its units show. */
async function inventoryFleet(command: FleetCommand, values: PlaybookValues, config: AnsibleConfig, settings: FleetSettings): Promise<StatusFleet> {
  const inventory = await loadInventory(settings.inventories, { vault: await loadVaultKeyring(settings.vault) });
  const targets = await withInventoryWarnings(inventory, () => connectionTargets(inventory, selectHosts(inventory, 'all', settings.limit), values, config));
  command.warn(inventory.warnings);
  return { inventory, targets };
}
