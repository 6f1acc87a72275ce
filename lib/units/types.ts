import type { ListenAddress, ServiceCheck } from '../config/types.js';
import type { SourcePosition } from '../diagnostics.js';

/** A file octoi owns on a host: rendered unit, installed script, or secret environment. */
export interface ManagedFile {
  path: string;
  content: string;
  /** e.g. 0o644 for units, 0o755 for scripts. */
  mode: number;
  role: 'socket' | 'service' | 'script' | 'environment';
  /** Its text must never be shown (diffs, reports). */
  secret?: boolean;
  /** Its group when not root: a group octoi creates and owns on the host. */
  group?: string;
  /**
   * SHA-256 of what earlier versions of octoi wrote for the same declaration: found on a host
   * octoi has no record of, such a file (or one equal to `content`) is octoi's own.
   */
  earlierVersions: string[];
  /** Directives in it that need `privileged: true`, as `Key=value`: plan flags them. */
  privileged?: string[];
}

/** What one declared service means on disk and in systemd. */
export interface DesiredService {
  name: string;
  state: 'present' | 'absent';
  /** Accept=yes (instances of `serviceTemplate`) or Accept=no (one `mainService`). */
  accept: boolean;
  /** `NAME.socket` */
  socketUnit: string;
  /** `NAME@.service` */
  serviceTemplate: string;
  /** `NAME.service`: the one service of Accept=no, which gets the listening socket. */
  mainService: string;
  /** For `present`: the files with their content. For `absent`: the paths that must not exist. */
  files: ManagedFile[];
  /** For `present`: paths of the service's other shapes (the other unit, a script replaced by `exec` …), removed where octoi owns them. */
  leftovers: string[];
  /** The installed program `exec` runs: it must exist on the host and be executable. */
  program: string | null;
  /** Listen addresses systemd must hold once converged. */
  listen: ListenAddress[];
  /** Take over files at octoi's paths that octoi did not write (`adopt: true`). */
  adopt: boolean;
  /** Names of drop-ins (`NAME.conf`) in the units' `.d` folders that are left alone; any other is drift. */
  allowedDropIns: string[];
  /** How to prove it answers once verified; absent when the playbook declares no `check:`. */
  check?: ServiceCheck;
  /** The group octoi makes for the service when its script is secret, and removes with it. */
  secretGroup: string;
  /** Where it was declared, for diagnostics. */
  position?: SourcePosition;
}
