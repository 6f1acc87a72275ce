import { posix } from 'node:path';
import type { HostFacts } from '../facts/types.js';
import { PROBE_FUNCTIONS } from '../facts/probe.js';
import { HOST_LAYOUT, journalDirectory, lockFile, ownedRecord, pendingRecord, type HostLayout } from '../host-layout.js';
import type { Action } from '../plan/types.js';
import { shellAssignments, shellCommand, shellFile, shellQuote } from '../shell.js';
import { isRunning } from '../plan/unit-state.js';
import { plainServiceName, socketUnitName } from '../units/names.js';
import { STEP_FUNCTIONS } from './script.js';

/**
 * Rollback: before a run changes a host, the previous version of everything it will replace or
 * remove is copied into a journal of that run under octoi's state folder (never where systemd
 * loads units), with a script that puts it all back. The script runs when the run fails after a
 * change, or, as a dead-man switch, from a transient systemd timer when the run does not confirm
 * within its window: a controller that died or was cut off mid-change leaves a host that restores
 * itself. The design is in the README ("What octoi keeps on each host").
 */
interface RollbackOptions {
  runToken: string;
  /** The dead-man switch fires this long after it was armed; null arms none. */
  windowSeconds: number | null;
  layout?: HostLayout;
}

/** The transient timer (and its service) of a run's dead-man switch. */
export function switchUnit(runToken: string): string {
  return `octoi-rollback-${runToken}`;
}

/** The pending record's line while a run's change waits for its confirmation. */
function armedLine(runToken: string): string {
  return `armed ${runToken}`;
}

/** Marker lines of the rollback requests. */
export const ROLLBACK_MARKERS = { armed: 'armed', armFailed: 'arm-failed', rolledBack: 'rolled-back', rollbackFailed: 'rollback-failed' } as const;

interface SavedFile {
  index: number;
  path: string;
  /** The file as it was, or null when the run creates it. */
  before: { mode: string; owner: string } | null;
}

/** Every file the actions write or remove, with how it was before them. */
function savedFiles(actions: readonly Action[], facts: HostFacts): SavedFile[] {
  return actions.flatMap((action, index): SavedFile[] => {
    if (action.kind !== 'write-file' && action.kind !== 'remove-file' && action.kind !== 'remove-drop-in') return [];
    const fact = facts.files[action.path];
    const existed = action.kind === 'remove-drop-in' || (fact?.exists ?? false);
    const mode = (fact?.mode ?? 0o644).toString(8).padStart(4, '0');
    return [{ index, path: action.path, before: existed ? { mode, owner: `${fact?.owner ?? 'root'}:${fact?.group ?? 'root'}` } : null }];
  });
}

/**
 * The request that keeps the previous versions and arms the switch; it prints `armed`, or
 * `arm-failed` with the error, and changes nothing of the services either way.
 */
export function armScript(actions: readonly Action[], facts: HostFacts, options: RollbackOptions): string {
  const layout = options.layout ?? HOST_LAYOUT;
  const journal = journalDirectory(layout, options.runToken);
  // The records are lines of text: the shell's builtins copy them, without a process each.
  const keep = (from: string, to: string): string => `{ [ ! -f ${shellQuote(from)} ] || octoi_cat ${shellQuote(from)} > ${shellQuote(to)}; }`;
  const commands = [
    `{ [ -d ${shellQuote(posix.dirname(journal))} ] || ${shellCommand(['mkdir', '-p', '-m', '0700', '--', posix.dirname(journal)])}; }`,
    shellCommand(['mkdir', '-m', '0700', '--', journal]),
    ...savedFiles(actions, facts).filter((file) => file.before).map((file) => `cat -- ${shellQuote(file.path)} > ${shellQuote(posix.join(journal, String(file.index)))}`),
    keep(ownedRecord(layout), posix.join(journal, 'owned')),
    keep(pendingRecord(layout), posix.join(journal, 'pending')),
    `printf '%s' ${shellQuote(rollbackScript(actions, facts, options))} > ${shellQuote(posix.join(journal, 'rollback'))}`,
    shellCommand(['octoi_record', pendingRecord(layout), 'add', armedLine(options.runToken)]),
    ...(options.windowSeconds === null ? [] : [shellCommand([
      'systemd-run', '--quiet', `--unit=${switchUnit(options.runToken)}`, `--on-active=${options.windowSeconds}s`,
      '--timer-property=AccuracySec=1s', '--', '/bin/sh', posix.join(journal, 'rollback'), 'timer',
    ])]),
  ];
  // Unarmed, the steps after it in the same request only report that they were skipped.
  return markedOutcome(commands.join(' && '), ROLLBACK_MARKERS.armed, ROLLBACK_MARKERS.armFailed, 'octoi_failed=1');
}

/** Stops the switch and drops the journal: the run's change stands. */
export function confirmChangeScript(runToken: string, layout: HostLayout = HOST_LAYOUT): string {
  return `${disarm(runToken, layout)}\n`;
}

/**
 * Takes over from earlier runs whose change was never confirmed (their switch is stopped: this
 * run converges the host anyway) and clears the notes of switches that fired.
 */
export function takeOverScript(armedTokens: readonly string[], rolledBackLines: readonly string[], layout: HostLayout = HOST_LAYOUT): string {
  const lines = armedTokens.map((token) => disarm(token, layout));
  if (rolledBackLines.length > 0) lines.push(shellCommand(['octoi_record', pendingRecord(layout), 'drop', ...rolledBackLines]));
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** Runs the rollback now, in the shell that holds the lock, and says how it went. */
export function rollbackNowScript(runToken: string, layout: HostLayout = HOST_LAYOUT): string {
  const stopSwitch = `systemctl stop -- ${shellQuote(`${switchUnit(runToken)}.timer`)} 2>/dev/null`;
  const rollback = shellCommand(['/bin/sh', posix.join(journalDirectory(layout, runToken), 'rollback'), 'now']);
  return `${stopSwitch}\n${markedOutcome(rollback, ROLLBACK_MARKERS.rolledBack, ROLLBACK_MARKERS.rollbackFailed)}`;
}

function disarm(runToken: string, layout: HostLayout): string {
  const unit = switchUnit(runToken);
  return [
    `systemctl stop -- ${shellQuote(`${unit}.timer`)} ${shellQuote(`${unit}.service`)} 2>/dev/null`,
    shellCommand(['rm', '-rf', '--', journalDirectory(layout, runToken)]),
    shellCommand(['octoi_record', pendingRecord(layout), 'drop', armedLine(runToken)]),
  ].join('; ');
}

/** The rollback script's own functions (rollback.sh), after the probe's and the steps'. */
const ROLLBACK_FUNCTIONS = shellFile(import.meta.url, 'rollback.sh');

/**
 * The script in the journal: it puts back every file, folder, group and record the actions
 * changed, and the socket units' enablement and state as they were. Run by the switch (`timer`)
 * it first takes octoi's lock and does nothing if the run meanwhile confirmed or another run took
 * over (the journal is gone then), and it leaves a note for the next run.
 */
function rollbackScript(actions: readonly Action[], facts: HostFacts, options: RollbackOptions): string {
  const layout = options.layout ?? HOST_LAYOUT;
  const journal = journalDirectory(layout, options.runToken);
  const owned = ownedRecord(layout);
  const pending = pendingRecord(layout);
  const sockets = [...new Set(actions.flatMap((action) => ('service' in action ? [socketUnitName(action.service)] : [])))];
  const before = (unit: string) => facts.units[unit];
  const enabledBefore = sockets.filter((unit) => before(unit)?.unitFileState === 'enabled');
  const activeBefore = sockets.filter((unit) => before(unit)?.activeState === 'active');
  // An Accept=no daemon keeps the code it started with, and systemd starts no socket while its
  // service runs: it stops, and the next connection starts the version put back.
  const daemons = [...new Set(actions.flatMap((action) => ('service' in action ? [plainServiceName(action.service)] : [])))].filter((unit) => {
    const fact = before(unit);
    return fact !== undefined && isRunning(fact);
  });
  const enabledByRun = sockets.filter((unit) => !enabledBefore.includes(unit) && actions.some((action) => action.kind === 'enable-socket' && action.unit === unit));
  const step = (words: string[]): string => shellCommand(['octoi_try', ...words]);
  const files = savedFiles(actions, facts).map((file) => (file.before
    ? step(['octoi_restore', posix.join(journal, String(file.index)), file.before.mode, file.before.owner, file.path])
    : step(['rm', '-f', '--', file.path])));
  const createdFolders = actions.flatMap((action) => (action.kind === 'create-directory' ? [action.path] : [])).reverse();
  const removedFolders = actions.flatMap((action) => (action.kind === 'remove-directory' ? [action.path] : []));
  const groups = actions.flatMap((action) => {
    if (action.kind === 'create-group') return [step(['groupdel', '--', action.group])];
    if (action.kind === 'remove-group') return [step(['groupadd', '--system', '--', action.group])];
    return [];
  });
  return `#!/bin/sh
# octoi: puts back what a run changed on this host.
${PROBE_FUNCTIONS}${STEP_FUNCTIONS}${shellAssignments({
    octoi_run_token: options.runToken,
    octoi_journal: journal,
    octoi_lock_directory: layout.lockDirectory,
    octoi_lock_file: lockFile(layout),
    octoi_pending_record: pending,
  })}${ROLLBACK_FUNCTIONS}${lines([
    ...enabledByRun.map((unit) => shellCommand(['systemctl', 'disable', '--no-reload', '--now', '--', unit])),
    ...daemons.map((unit) => step(['systemctl', 'stop', '--', unit])),
    ...files,
    ...createdFolders.map((path) => shellCommand(['octoi_unmake_folder', path])),
    ...removedFolders.map((path) => shellCommand(['octoi_remake_folder', path])),
    ...groups,
    shellCommand(['octoi_restore_record', owned, posix.join(journal, 'owned')]),
    shellCommand(['octoi_restore_record', pending, posix.join(journal, 'pending')]),
    ...enabledBefore.map((unit) => step(['systemctl', 'enable', '--no-reload', '--', unit])),
    step(['systemctl', 'daemon-reload']),
    ...activeBefore.map((unit) => step(['systemctl', 'restart', '--', unit])),
    ...sockets.filter((unit) => !activeBefore.includes(unit)).map((unit) => shellCommand(['octoi_stop_socket', unit])),
    'octoi_rollback_end',
  ])}`;
}

function lines(commands: readonly string[]): string {
  return commands.map((command) => `${command}\n`).join('');
}

/** Runs `command` with its stdout dropped, then prints `ok` or `failed HEX(stderr)` as a marker (and runs `onFailure`). */
function markedOutcome(command: string, ok: string, failed: string, onFailure = ''): string {
  return `if octoi_err=$( { ${command}; } 2>&1 >/dev/null); then octoi_marker ${ok}; else octoi_marker ${failed} "$(octoi_hex "$octoi_err")"${onFailure ? `; ${onFailure}` : ''}; fi\n`;
}
