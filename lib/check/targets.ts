import type { ServiceCheck } from '../units/types.js';
import type { Listener } from '../facts/types.js';
import { formatListenAddress, isSystemd } from '../plan/listeners.js';
import type { DesiredService } from '../units/types.js';
import { describeExpectation } from './answer.js';
import type { CheckRecord } from './types.js';

/** One address a check connects to, from the host itself. */
export interface CheckTarget {
  service: string;
  check: ServiceCheck;
  /** An IP address as the host's sshd is asked to connect to it: `127.0.0.1`, `::1`, `10.0.0.5`. */
  host: string;
  port: number;
}

/**
 * Where each declared address of each present service with a `check:` is reached from the host.
 * Pure. An address on every interface is reached through loopback, on the families the facts
 * show systemd (pid 1) listening on: a bare port shows as `*` (both families), `0.0.0.0`
 * (IPv4 only, a host without IPv6) or `::` (IPv6 only, `BindIPv6Only=ipv6-only`). With no such
 * listener the check tries 127.0.0.1, and fails saying the host could not connect.
 */
export function checkTargets(services: readonly DesiredService[], listeners: readonly Listener[]): CheckTarget[] {
  return services.flatMap((service) => {
    const check = service.check;
    if (!check || service.state !== 'present') return [];
    return service.listen.flatMap((address) => {
      const hosts = address.host === null || address.host === '::' ? loopbacksListening(address.port, listeners) : [address.host === '0.0.0.0' ? '127.0.0.1' : address.host];
      return hosts.map((host) => ({ service: service.name, check, host, port: address.port }));
    });
  });
}

function loopbacksListening(port: number, listeners: readonly Listener[]): string[] {
  const held = new Set(listeners.filter((listener) => listener.port === port && listener.processes.some(isSystemd)).map((listener) => listener.address));
  const ipv4 = held.has('*') || held.has('0.0.0.0');
  const ipv6 = held.has('*') || held.has('::');
  return ipv4 || ipv6 ? [...(ipv4 ? ['127.0.0.1'] : []), ...(ipv6 ? ['::1'] : [])] : ['127.0.0.1'];
}

/** `127.0.0.1:13063`, `[::1]:13063` */
export function formatTarget(target: Pick<CheckTarget, 'host' | 'port'>): string {
  return target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}

/** What `--check` and `plan` show: one check per declared address, none run. Pure. */
export function plannedChecks(services: readonly DesiredService[]): CheckRecord[] {
  return services.flatMap((service) => {
    const check = service.check;
    if (!check || service.state !== 'present') return [];
    return service.listen.map((address) => ({ service: service.name, address: formatListenAddress(address), expect: describeExpectation(check.expect), outcome: 'planned' as const }));
  });
}
