import { parseListen } from '../config/listen.js';
import type { ListenAddress } from '../units/types.js';
import type { DiscoveredService } from '../facts/discover.js';
import type { HostFacts, Listener, UnitFact } from '../facts/types.js';
import { plainServiceName, socketUnitName } from '../units/names.js';
import { formatListener, isSystemd, listenerMatches } from '../plan/listeners.js';
import { unitFact } from '../plan/unit-state.js';
import type { ServiceStatus } from '../host/status.js';

/** A service to report on: declared in a playbook, or found on the host (then `listen` is empty). */
export interface StatusTarget {
  name: string;
  socketUnit: string;
  listen: readonly ListenAddress[];
  /** Accept=no: the `NAME.service` the socket starts. */
  mainService?: string;
}

/** What a host's units show (`parseDiscovery`) as services to report on. */
export function discoveredTargets(services: readonly DiscoveredService[]): StatusTarget[] {
  return services.map(({ name, accept }) => ({ name, socketUnit: socketUnitName(name), listen: [], ...(accept ? {} : { mainService: plainServiceName(name) }) }));
}

/** The status of each service from facts read on its host. Pure. */
export function servicesStatus(targets: readonly StatusTarget[], facts: HostFacts): Record<string, ServiceStatus> {
  return Object.fromEntries(targets.map((target) => [target.name, serviceStatus(target, facts)]));
}

function serviceStatus(target: StatusTarget, facts: HostFacts): ServiceStatus {
  const socket = unitFact(facts, target.socketUnit);
  return {
    enabled: socket.unitFileState || socket.loadState,
    active: socket.activeState,
    listening: systemdListening([...target.listen, ...reportedListenAddresses(socket)], facts.listeners),
    accepted: socket.nAccepted,
    connections: socket.nConnections,
    refused: socket.nRefused,
    exposure: facts.exposure?.[target.name] ?? null,
    ...(target.mainService === undefined ? {} : { service: mainServiceStatus(unitFact(facts, target.mainService)) }),
  };
}

function mainServiceStatus(unit: UnitFact): NonNullable<ServiceStatus['service']> {
  return { unit: unit.id, active: unit.activeState, mainPid: unit.mainPid ?? null };
}

/**
 * The TCP addresses in a socket's `Listen=` property (`[::]:13063 (Stream)`). systemd prints a
 * bare port as `[::]:PORT`, which matches a dual-stack listener like the bare port does.
 */
export function reportedListenAddresses(socket: UnitFact): ListenAddress[] {
  return socket.listen.flatMap((entry) => {
    const stream = /^(.*) \(Stream\)$/.exec(entry);
    const parsed = stream?.[1] ? parseListen(stream[1]) : null;
    return parsed?.address ? [parsed.address] : [];
  });
}

/** Listeners held by systemd (pid 1) on any of `addresses`, each once, in the order ss or netstat listed them. */
function systemdListening(addresses: readonly ListenAddress[], listeners: readonly Listener[]): string[] {
  const held = listeners.filter((listener) => listener.processes.some(isSystemd) && addresses.some((address) => listenerMatches(address, listener)));
  return [...new Set(held.map(formatListener))];
}
