/** A file octoi owns on a host: rendered unit or installed script. */
export interface ManagedFile {
  path: string;
  content: string;
  /** e.g. 0o644 for units, 0o755 for scripts. */
  mode: number;
  role: 'socket' | 'service' | 'script';
  /** Its text must never be shown (diffs, reports). */
  secret?: boolean;
}

/** What one declared service means on disk and in systemd. */
export interface DesiredService {
  name: string;
  state: 'present' | 'absent';
  /** `NAME.socket` */
  socketUnit: string;
  /** `NAME@.service` */
  serviceTemplate: string;
  /** For `present`: the three files with their content. For `absent`: the paths that must not exist. */
  files: ManagedFile[];
  /** Directories removed with the service when absent (drop-ins, the script's own folder). */
  ownedDirectories: string[];
  /** Listen addresses systemd must hold once converged. */
  listen: import('../config/types.js').ListenAddress[];
}
