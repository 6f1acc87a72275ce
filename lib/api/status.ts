import type { Inventory } from '../inventory/index.js';
import type { Targets } from '../run/targets.js';
import { discoveryQueries, playbookQueries, readFleetStatus, type StatusQuery } from '../status/read-status.js';
import type { HostStatusEntry } from '../host/status.js';
import type { RunEventListener } from '../run/types.js';
import { prepareFleet, type Fleet, type PreparedFleet } from './run.js';
import { DEFAULT_FORKS, ignoreEvents, withSessions, type ReachOptions } from './sessions.js';

/**
 * With a playbook: the services it gives each host it targets among `targets`. Without: every
 * target, with every socket-activated service found on it.
 */
export type StatusFleet = Fleet | PreparedFleet | { inventory: Inventory; targets: Targets };

export interface StatusResult {
  /** By host, in inventory order: its services by name, or why they could not be read. */
  hosts: Record<string, HostStatusEntry>;
  interrupted: boolean;
}

export interface StatusOptions extends ReachOptions {
  /** Each host's status as it is read (`host-status` events). */
  onEvent?: RunEventListener;
}

/**
 * Each service's state on each host: enabled, active, the addresses systemd listens on, its
 * counters and exposure score. Changes nothing; one remote command per host; a host that cannot
 * be read is an entry with its error, never a throw.
 */
export async function status(fleet: StatusFleet, options: StatusOptions = {}): Promise<StatusResult> {
  const queries = 'playbook' in fleet ? await playbookStatusQueries(fleet) : discoveryQueries([...fleet.targets.keys()]);
  return withSessions(fleet.targets, options, (sessions) => readFleetStatus(queries, { sessions, forks: options.forks ?? DEFAULT_FORKS, signal: options.signal }, options.onEvent ?? ignoreEvents));
}

async function playbookStatusQueries(fleet: Fleet | PreparedFleet): Promise<Map<string, StatusQuery>> {
  return playbookQueries(await prepareFleet(fleet));
}
