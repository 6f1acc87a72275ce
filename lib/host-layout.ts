import { posix } from 'node:path';

/**
 * Where octoi keeps its own files on a host, and where it looks for units that are not its own.
 * The design is written down in the README ("What octoi keeps on each host"): facts read these
 * paths, the planner reasons about what they say, apply writes them. Tests point them elsewhere.
 */
export interface HostLayout {
  /** Root-only (0700). Holds the records below. */
  stateDirectory: string;
  /** On tmpfs, so a reboot (which ends every run) clears it. Holds the lock and its holder's name. */
  lockDirectory: string;
  /** Where systemd finds units other than the administrator's (/etc), highest precedence first. */
  systemUnitDirectories: string[];
  /** Names the host's PID 1: octoi manages hosts whose PID 1 is systemd. */
  initName: string;
  /** Folders (a glob may stand for the multiarch one) where a distribution puts libsystemd-shared-N.so. */
  systemdLibraryDirectories: string[];
}

export const HOST_LAYOUT: HostLayout = {
  stateDirectory: '/var/lib/octoi',
  lockDirectory: '/run/octoi',
  systemUnitDirectories: ['/run/systemd/system', '/usr/local/lib/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system'],
  initName: '/proc/1/comm',
  systemdLibraryDirectories: ['/usr/lib/systemd', '/lib/systemd', '/usr/lib/*/systemd', '/usr/lib64/systemd'],
};

/** The files and folders octoi created or adopted: one `file HEX` or `dir HEX` line each (HEX: the path's UTF-8 bytes). */
export function ownedRecord(layout: HostLayout): string {
  return posix.join(layout.stateDirectory, 'owned');
}

/**
 * Work a run made necessary and has not finished yet: `restart HEX` per socket unit to restart,
 * `armed TOKEN` while a run's change waits for its confirmation, and `rolled-back TOKEN EPOCH`
 * when a run's dead-man switch restored the host, until the next run has reported it.
 */
export function pendingRecord(layout: HostLayout): string {
  return posix.join(layout.stateDirectory, 'pending');
}

/** The previous version of everything run TOKEN changes, and the script that puts it back. */
export function journalDirectory(layout: HostLayout, runToken: string): string {
  return posix.join(layout.stateDirectory, 'journal', runToken);
}

export function lockFile(layout: HostLayout): string {
  return posix.join(layout.lockDirectory, 'lock');
}

/** Upload names end in `.octoi-tmp.TOKEN`; this mark finds the leftovers of any run. */
export const TEMP_MARK = '.octoi-tmp';

/**
 * Where a file is uploaded before it replaces `path`: the same directory, so the final `mv` is an
 * atomic rename, a name starting with a dot that systemd ignores, and a token of this run so the
 * name was never used before (it is created with O_EXCL: nothing already there is opened).
 */
export function tempPathFor(path: string, runToken: string): string {
  return posix.join(posix.dirname(path), `.${posix.basename(path)}${TEMP_MARK}.${runToken}`);
}

/** `/opt/a/b` → `/opt`, `/opt/a`, `/opt/a/b`: the folders whose owner and mode decide who could change a file below. */
export function ancestorsAndSelf(directory: string): string[] {
  const parts = posix.normalize(directory).split('/').filter(Boolean);
  return parts.map((_, index) => `/${parts.slice(0, index + 1).join('/')}`);
}
