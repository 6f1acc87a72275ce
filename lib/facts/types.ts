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
  /** Something other than a regular file is there: a symbolic link (never followed), a folder, a socket … */
  kind?: 'link' | 'other';
}

/** A folder on the way to a managed file. */
export interface DirectoryFact {
  path: string;
  kind: 'directory' | 'link' | 'other' | 'missing';
  /** Owner and permission bits of a directory; absent when stat could not read them. */
  uid?: number;
  mode?: number;
  /** How many entries it holds (hidden ones too). */
  entries?: number;
}

/** octoi's own record on the host: what it created or adopted. */
interface OwnedRecord {
  files: string[];
  directories: string[];
  /** System groups octoi created (for secret scripts). */
  groups: string[];
}

/** The last line of `systemd-analyze security UNIT`: `Overall exposure level for UNIT: 8.2 EXPOSED`. */
export interface Exposure {
  /** 0.0 (safe) to 10.0 (unsafe). */
  score: number;
  /** SAFE, OK, MEDIUM, EXPOSED or UNSAFE. */
  label: string;
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
  /** The main process of a running service (systemd's MainPID), when it has one. */
  mainPid?: number;
  /** The unit file systemd loaded it from, when it is loaded. */
  fragmentPath?: string;
  /** Drop-ins systemd applied to it. */
  dropInPaths?: string[];
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

type ProgramState = 'yes' | 'not-executable' | 'missing';

export interface HostFacts {
  files: Record<string, FileFact>;
  units: Record<string, UnitFact>;
  listeners: Listener[];
  /** Which tool the listeners came from; `none` when the host has neither. */
  listenerSource: 'ss' | 'netstat' | 'none';
  /** Temporary files left by an interrupted earlier run. */
  leftoverTempFiles: string[];
  /** Every folder on the way to a managed file, by path. */
  directories: Record<string, DirectoryFact>;
  owned: OwnedRecord;
  /** Socket units a run changed and had not restarted yet when it ended. */
  pendingRestarts: string[];
  /** Runs whose change was never confirmed, by run token: their dead-man switch is still armed. */
  armedChanges?: string[];
  /** Dead-man switches that fired since the last run: the pending record's `rolled-back` lines. */
  switchRollbacks?: { runToken: string; at: Date; line: string }[];
  /** Per service name: unit files of its name that octoi does not write (vendor units, NAME.service). */
  foreignUnitFiles: Record<string, string[]>;
  /** Per service name: drop-in files of its socket, template and instances. */
  dropIns: Record<string, string[]>;
  /** Groups among those asked about that exist on the host. */
  groups: string[];
  /** Why octoi cannot manage the host at all (systemd not PID 1, or too old); empty when it can. */
  unsupported: string[];
  /** Why these facts cannot be trusted (a missing tool, systemctl failing); empty when they can. */
  unreadable: string[];
  /** Whether each program an `exec` service runs is there to run, by path. */
  programs?: Record<string, ProgramState>;
  /**
   * Per service name: the overall exposure `systemd-analyze security` gives its template, when it
   * was asked for, the template exists and the host has the tool.
   */
  exposure?: Record<string, Exposure>;
  /** Running `NAME@….service` instances, by template name `NAME@.service`. */
  runningInstances: Record<string, string[]>;
  /**
   * Current text of managed files whose content differs from the desired one; read only when a
   * diff was asked for (`--diff`, `octoi plan`).
   */
  fileContents?: Record<string, string>;
}
