import type { Exposure } from '../facts/types.js';

/** One socket-activated service as `octoi status` reports it. */
export interface ServiceStatus {
  /** The socket's UnitFileState (enabled, disabled, ...), or its LoadState (not-found) when systemd has no unit file. */
  enabled: string;
  /** The socket's ActiveState: active, inactive, failed, ... */
  active: string;
  /** Addresses systemd (pid 1) listens on for the service, as ss prints them: `*:13063`, `127.0.0.1:80`, `[::1]:80`. */
  listening: string[];
  /** The socket's NAccepted: connections accepted since it started. */
  accepted: number;
  /** NConnections: connections being served now. */
  connections: number;
  /** NRefused: connections refused (MaxConnections reached) since it started. */
  refused: number;
  /** `systemd-analyze security` of its template on the host; null when unknown (no template, no tool). */
  exposure: Exposure | null;
  /** Accept=no: the one service the socket starts, with its ActiveState and MainPID (null when it has none). */
  service?: { unit: string; active: string; mainPid: number | null };
}

type HostStatusKind = 'ok' | 'unreachable' | 'failed';

export interface HostStatusEntry {
  status: HostStatusKind;
  /** By service name, in the order of the playbook or of the host's unit directory. */
  services: Record<string, ServiceStatus>;
  /** Why the host's status could not be read. */
  error?: string;
}
