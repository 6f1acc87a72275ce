/** What octoi read from a host, in one remote command, before planning. */
export interface FileFact {
  path: string;
  exists: boolean;
  /** Present when the file exists. Lowercase hex. */
  sha256?: string;
  /** Permission bits, e.g. 0o644. */
  mode?: number;
  owner?: string;
  group?: string;
}

/** Properties of `systemctl show` for one unit. */
export interface UnitFact {
  id: string;
  /** loaded | not-found | masked | error | bad-setting ... */
  loadState: string;
  /** active | inactive | failed | activating | deactivating ... */
  activeState: string;
  subState: string;
  /** enabled | disabled | static | masked | '' (unknown unit) ... */
  unitFileState: string;
  needDaemonReload: boolean;
  /** `Listen=` entries as systemd reports them, e.g. `[::]:13063 (Stream)`. Sockets only. */
  listen: string[];
  nAccepted: number;
  nConnections: number;
  nRefused: number;
}

export interface ListeningProcess {
  name: string;
  pid: number;
  fd: number | null;
}

/** One listening TCP socket from `ss -H -tlnp` or `netstat -tlnp`. */
export interface Listener {
  /** Local address as printed, without brackets: `*`, `0.0.0.0`, `::`, `127.0.0.1`, `::1`. */
  address: string;
  port: number;
  processes: ListeningProcess[];
}

export interface HostFacts {
  files: Record<string, FileFact>;
  units: Record<string, UnitFact>;
  listeners: Listener[];
  /** Which tool the listeners came from. */
  listenerSource: 'ss' | 'netstat';
  /** Temporary files left by an interrupted earlier run. */
  leftoverTempFiles: string[];
  /** Directories among those asked about that exist. */
  existingDirectories: string[];
  /** Running `NAME@….service` instances, by template name `NAME@.service`. */
  runningInstances: Record<string, string[]>;
  /**
   * Current text of managed files whose content differs from the desired one; read only when a
   * diff was asked for (`--diff`, `octoi plan`).
   */
  fileContents?: Record<string, string>;
}
