import { OctoiError, type Diagnostic } from '../diagnostics.js';
import type { DesiredState } from '../desired/host-services.js';
import { formatListenAddress } from '../plan/listeners.js';
import type { HostTarget } from './session-pool.js';

/**
 * A socket on the port octoi logs in on would take that port from sshd at the host's next boot
 * (sockets start before services), locking out octoi and everyone else. Such a plan is refused for
 * every host it concerns before any host is contacted.
 */
export function refuseSshPortListeners(desired: DesiredState, targets: ReadonlyMap<string, HostTarget>): void {
  const diagnostics: Diagnostic[] = [];
  for (const byHost of desired.values()) {
    for (const [host, services] of byHost) {
      const target = targets.get(host);
      if (target === undefined || !('ssh' in target)) continue;
      const port = target.ssh.port;
      for (const service of services) {
        if (service.state !== 'present') continue;
        const taken = service.listen.filter((address) => address.port === port);
        if (taken.length === 0) continue;
        diagnostics.push({
          severity: 'error',
          host,
          message: `host ${host}: service ${service.name} would listen on ${taken.map(formatListenAddress).join(', ')}, the SSH port octoi logs in on (${port})`,
          hint: 'a socket there takes the port from sshd at the next boot and locks everyone out: choose another port',
          ...(service.position ? { position: service.position } : {}),
        });
      }
    }
  }
  if (diagnostics.length > 0) throw new OctoiError('invalid-input', diagnostics);
}
