import { parseArgs } from 'node:util';
import { servicesOf } from '../desired/host-services.js';
import { ExitCode } from '../exit-codes.js';
import { discoveryScript, parseDiscovery } from '../facts/discover.js';
import { parseProbe } from '../facts/parse-probe.js';
import { probeScript } from '../facts/probe.js';
import type { HostFacts } from '../facts/types.js';
import { loadInventory, selectHosts } from '../inventory/index.js';
import { loadVaultKeyring } from '../source/vault.js';
import { writeFileAtomically } from '../report/json.js';
import { forEachLimited } from '../concurrency.js';
import { prepareRun, type PreparedRun } from '../run/prepare.js';
import { classifyFailure } from '../run/host-failure.js';
import type { HostPhase } from '../host/results.js';
import { SessionPool } from '../run/session-pool.js';
import { UNIT_DIRECTORY } from '../units/names.js';
import type { DesiredService } from '../units/types.js';
import { discoveredTargets, servicesStatus, type StatusTarget } from '../status/service-status.js';
import { formatStatusTable } from '../status/table.js';
import type { HostStatusEntry, StatusReport } from '../status/types.js';
import { exitCodeOfRun, reportError, usageError } from './exit.js';
import { configuredConnections, fleetOptions, fleetOptionsUsage, fleetSettings, onInterrupt, readAnsibleConfig, resolveTargets } from './targets.js';

export const statusUsage = `usage: octoi status -i INVENTORY [PLAYBOOK] [options]

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

exit codes: 0 every host read, 2 a host's status could not be read, 3 a host was unreachable,
4 invalid input, 5 no host matched, 130 interrupted`;

/** What to run on a host and how to turn its output into the services to report. */
interface StatusQuery {
  script: string;
  read(stdout: string): { targets: StatusTarget[]; facts: HostFacts };
}

export async function runStatusCommand(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: fleetOptions,
    });
    if (values.help) {
      process.stdout.write(`${statusUsage}\n`);
      return ExitCode.ok;
    }
    const [playbookFile, ...extra] = positionals;
    if (extra.length > 0) throw usageError('octoi status takes at most one playbook', statusUsage);
    const config = readAnsibleConfig();
    const { inventories, limit, forks, connectTimeoutMs, commandTimeoutMs, vault } = fleetSettings(values, config);

    // Everything is read and checked before any host is contacted.
    const prepared = playbookFile ? await prepareRun({ playbookFile, inventories, limit, extraVars: values['extra-vars'] ?? [], vault }) : null;
    const inventory = prepared?.inventory ?? (await loadInventory(inventories, { vault: await loadVaultKeyring(vault) }));
    const queries = prepared ? playbookQueries(prepared) : discoveryQueries(selectHosts(inventory, 'all', limit));
    const hosts = [...queries.keys()];
    const connections = configuredConnections(config, values['accept-new']);
    const targets = await resolveTargets(inventory, hosts, values['ssh-config'], connections.acceptNew, connections.options);

    const sessions = new SessionPool(targets, { connectTimeoutMs, commandTimeoutMs });
    const interruption = onInterrupt(() => sessions.closeAll());
    // In inventory order from the start; a host still holding this entry at the end never started.
    const entries = new Map(hosts.map((host) => [host, failed('not read: the command was interrupted before this host started')]));
    try {
      await forEachLimited([...queries], forks, async ([host, query]) => void entries.set(host, await readHost(sessions, host, query, interruption.signal)), {
        signal: interruption.signal,
      });
    } finally {
      interruption.dispose();
      await sessions.closeAll();
    }
    const report: StatusReport = { hosts: Object.fromEntries(entries) };
    process.stdout.write(`${formatStatusTable(report)}\n`);
    if (values.json) await writeFileAtomically(values.json, `${JSON.stringify(report, null, 2)}\n`);
    return exitCodeOfRun(Object.values(report.hosts), interruption.signal.aborted);
  } catch (error) {
    return reportError(error);
  }
}

/** Each targeted host's services, over all plays; where plays declare one name twice, the later play wins, as it would on a run. */
function playbookQueries({ plays, desired }: PreparedRun): Map<string, StatusQuery> {
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

function discoveryQueries(hosts: readonly string[]): Map<string, StatusQuery> {
  const query: StatusQuery = {
    script: discoveryScript(),
    read(stdout) {
      const { services, facts } = parseDiscovery(stdout);
      return { targets: discoveredTargets(services), facts };
    },
  };
  return new Map(hosts.map((host) => [host, query]));
}

async function readHost(sessions: SessionPool, host: string, query: StatusQuery, signal: AbortSignal): Promise<HostStatusEntry> {
  let phase: HostPhase = 'connect';
  try {
    const session = await sessions.get(host);
    phase = 'facts';
    const result = await session.exec(query.script, { become: session.become });
    if (result.exitCode !== 0) return failed(`reading the status failed with exit code ${result.exitCode}: ${result.stderr.trim() || 'no error output'}`);
    const { targets, facts } = query.read(result.stdout);
    if (facts.unsupported.length > 0) return failed(facts.unsupported.join('; '));
    if (facts.unreadable.length > 0) return failed(`the host's state cannot be read: ${facts.unreadable.join('; ')}`);
    return { status: 'ok', services: servicesStatus(targets, facts) };
  } catch (error) {
    // Connections closed because of an interrupt fail like dropped ones, but say nothing about the host.
    if (signal.aborted) return failed('not read: the command was interrupted while reading this host');
    const { status, failure } = classifyFailure(error, phase);
    return { status: status === 'unreachable' ? 'unreachable' : 'failed', services: {}, error: failure.message };
  }
}

function failed(error: string): HostStatusEntry {
  return { status: 'failed', services: {}, error };
}
