import { servicesOf, type DesiredState } from '../desired/host-services.js';
import { discoveryScript, parseDiscovery } from '../facts/discover.js';
import { parseProbe } from '../facts/parse-probe.js';
import { probeScript } from '../facts/probe.js';
import type { HostFacts } from '../facts/types.js';
import type { HostStatusEntry } from '../host/status.js';
import { forEachHost, type FleetReach, type HostWork } from '../run/fleet.js';
import type { PlayTarget } from '../run/run-playbook.js';
import type { RunEventListener } from '../run/types.js';
import type { HostSession } from '../ssh/session.js';
import type { DesiredService } from '../units/types.js';
import { discoveredTargets, servicesStatus, type StatusTarget } from './service-status.js';

/** What to run on a host and how to turn its output into the services to report. */
export interface StatusQuery {
  script: string;
  read(stdout: string): { targets: StatusTarget[]; facts: HostFacts };
}

/** Each targeted host's services, over all plays; where plays declare one name twice, the later play wins, as it would on a run. */
export function playbookQueries({ plays, desired }: { plays: readonly PlayTarget[]; desired: DesiredState }): Map<string, StatusQuery> {
  const servicesByHost = new Map<string, Map<string, DesiredService>>();
  for (const [index, { hosts }] of plays.entries()) {
    for (const host of hosts) {
      const services = servicesByHost.get(host) ?? new Map<string, DesiredService>();
      for (const service of servicesOf(desired, index, host)) services.set(service.name, service);
      servicesByHost.set(host, services);
    }
  }
  return new Map(
    [...servicesByHost].map(([host, byName]) => {
      const services = [...byName.values()];
      const targets = services.map(({ name, socketUnit, listen, accept, mainService }): StatusTarget => ({ name, socketUnit, listen, ...(accept ? {} : { mainService }) }));
      return [host, { script: probeScript(services, { exposure: true }), read: (stdout) => ({ targets, facts: parseProbe(stdout) }) }];
    }),
  );
}

/** Every host asked for the services its unit directory shows. */
export function discoveryQueries(hosts: readonly string[]): Map<string, StatusQuery> {
  const query: StatusQuery = {
    script: discoveryScript(),
    read(stdout) {
      const { services, facts } = parseDiscovery(stdout);
      return { targets: discoveredTargets(services), facts };
    },
  };
  return new Map(hosts.map((host) => [host, query]));
}

/**
 * `octoi status` on a fleet: one remote command per host, on the run's host loop, each host's
 * entry shown as it is read, then all of them in inventory order. Returns them too.
 */
export async function readFleetStatus(queries: ReadonlyMap<string, StatusQuery>, fleet: FleetReach, onEvent: RunEventListener): Promise<{ hosts: Record<string, HostStatusEntry>; interrupted: boolean }> {
  const hosts = [...queries.keys()];
  onEvent({ type: 'status-started', hosts });
  const entries = new Map<string, HostStatusEntry>();
  const work: HostWork<HostStatusEntry> = {
    connected: (host, session) => readHost(session, queries.get(host) as StatusQuery),
    // Connections closed because of an interrupt fail like dropped ones, but say nothing about the host.
    failed: (_host, { status, failure }) => failedEntry(failure.reason === 'interrupted' ? 'not read: the command was interrupted while reading this host' : failure.message, status),
    notStarted: () => failedEntry('not read: the command was interrupted before this host started'),
  };
  await forEachHost(hosts, fleet, work, (status, host) => {
    entries.set(host, status);
    onEvent({ type: 'host-status', host, status });
  });
  const finished = { hosts: Object.fromEntries(hosts.map((host) => [host, entries.get(host) as HostStatusEntry])), interrupted: fleet.signal?.aborted ?? false };
  onEvent({ type: 'status-finished', ...finished });
  return finished;
}

async function readHost(session: HostSession, query: StatusQuery): Promise<HostStatusEntry> {
  const result = await session.exec(query.script, { become: session.become });
  if (result.exitCode !== 0) return failedEntry(`reading the status failed with exit code ${result.exitCode}: ${result.stderr.trim() || 'no error output'}`);
  const { targets, facts } = query.read(result.stdout);
  if (facts.unsupported.length > 0) return failedEntry(facts.unsupported.join('; '));
  if (facts.unreadable.length > 0) return failedEntry(`the host's state cannot be read: ${facts.unreadable.join('; ')}`);
  return { status: 'ok', services: servicesStatus(targets, facts) };
}

function failedEntry(error: string, status: 'failed' | 'unreachable' = 'failed'): HostStatusEntry {
  return { status, services: {}, error };
}
