import { posix } from 'node:path';
import { OctoiError } from '../diagnostics.js';
import { hexName, instancePattern } from '../facts/probe.js';
import { decodeHex, parseMarker, splitLines } from '../facts/probe-format.js';
import { HOST_LAYOUT, ownedRecord, pendingRecord, tempPathFor, type HostLayout } from '../host-layout.js';
import type { Action } from '../plan/types.js';
import { shellCommand, shellFile } from '../shell.js';

export interface ApplyOptions {
  /** Names this run's temp files: a name no earlier run used. */
  runToken: string;
  layout?: HostLayout;
}

export interface StepOutcome {
  /** Index of the action in `plan.actions`. */
  action: number;
  /** `unknown`: it started and no outcome came back (the channel closed while it ran). */
  status: 'ok' | 'failed' | 'skipped' | 'unknown';
  exitCode?: number;
  /** What the failed command wrote to stderr. */
  stderr?: string;
}

/** The apply script's step functions (install.sh); they run after the probe's. */
export const STEP_FUNCTIONS = shellFile(import.meta.url, 'install.sh');

/** The `restart HEX` lines of the pending record for these socket units. */
function pendingLines(units: readonly string[]): string[] {
  return units.map((unit) => `restart ${hexName(unit)}`);
}

/** Units whose restart the plan makes necessary: sockets, and the one service of Accept=no. */
export function restartedUnits(actions: readonly Action[]): string[] {
  return actions.flatMap((action) => (action.kind === 'restart-socket' || action.kind === 'restart-service' ? [action.unit] : []));
}

/**
 * The steps of these actions as one script for the host's shell, their indexes as in the plan.
 * The first file installed records every file the plan writes as octoi's first, so each is
 * recorded before it exists; the last also fsyncs every directory that received a file, so the
 * renames are durable before systemd is told about them. A script or environment of an Accept=no
 * service takes effect without a reload, only by the service's restart: the first file installed
 * records that restart as pending first, so a run that dies before it leaves it to the next.
 */
export function stepsScript(actions: readonly Action[], first: number, all: readonly Action[], options: ApplyOptions): string {
  const layout = options.layout ?? HOST_LAYOUT;
  const writes = writesOf(all);
  const lastWrite = writes[writes.length - 1]?.index;
  const touched = [...new Set(writes.map((write) => posix.dirname(write.action.path)))].sort();
  const restarts = restartedUnits(all);
  const serviceRestarts = all.flatMap((action) => (action.kind === 'restart-service' ? [action.unit] : []));
  const recordedFirst = [
    'octoi_record_then', ownedRecord(layout), writes.map((write) => recordLine('file', safePath(write.action.path))).join('\n'),
    ...(serviceRestarts.length > 0 ? ['octoi_record_then', pendingRecord(layout), pendingLines(serviceRestarts).join('\n')] : []),
  ];
  const lines = actions.map((action, offset) => {
    const index = first + offset;
    const argv = stepCommand(action, index === lastWrite ? touched : [], restarts, options);
    return shellCommand(['octoi_step', String(index), ...(index === writes[0]?.index ? recordedFirst : []), ...argv]);
  });
  return `${lines.join('\n')}\n`;
}

/** Marks the end of the uploads in the host shell's output. */
export const UPLOADED = 'uploaded';

/**
 * Every file the plan writes, carried inside the script itself (base64, so any byte arrives as
 * it is): each becomes a new 0600 temp file beside its target, and the last one fsyncs them all
 * before any is installed. `UPLOADED` follows them, whatever became of them.
 */
export function uploadScript(all: readonly Action[], options: ApplyOptions): string {
  const writes = writesOf(all);
  const temps = writes.map((write) => tempPathFor(safePath(write.action.path), options.runToken));
  const lines = writes.map((write, offset) => {
    const sync = offset === writes.length - 1 ? temps : [];
    const content = Buffer.from(write.action.content, 'utf8').toString('base64').replace(/.{1,76}/g, '$&\n');
    return `${shellCommand(['octoi_upload', String(write.index), temps[offset] ?? '', ...sync])} <<'${UPLOAD_END}'\n${content}${UPLOAD_END}\n`;
  });
  return `${lines.join('')}octoi_marker ${UPLOADED}\n`;
}

/** The end of an upload's here-document: base64 has no `_`, so no line of content is this. */
const UPLOAD_END = 'OCTOI_UPLOAD_END';

function writesOf(all: readonly Action[]): { action: Extract<Action, { kind: 'write-file' }>; index: number }[] {
  return all.flatMap((action, index) => (action.kind === 'write-file' ? [{ action, index }] : []));
}

function recordLine(kind: 'file' | 'dir' | 'group', name: string): string {
  return `${kind} ${hexName(name)}`;
}

function stepCommand(action: Action, syncDirectories: string[], restarts: string[], options: ApplyOptions): string[] {
  const layout = options.layout ?? HOST_LAYOUT;
  const owned = ownedRecord(layout);
  switch (action.kind) {
    case 'create-directory':
      return ['octoi_mkdir', owned, safePath(action.path), recordLine('dir', action.path)];
    case 'create-group':
      return ['octoi_groupadd', owned, action.group, recordLine('group', action.group)];
    case 'remove-group':
      return ['octoi_groupdel', owned, action.group, recordLine('group', action.group)];
    case 'adopt-file':
      return ['octoi_record', owned, 'add', recordLine('file', safePath(action.path))];
    case 'remove-temp-file':
    case 'remove-drop-in':
      return ['rm', '-f', '--', safePath(action.path)];
    case 'remove-file':
      return ['octoi_remove', owned, safePath(action.path), recordLine('file', action.path)];
    case 'remove-directory':
      return ['octoi_rmdir', owned, safePath(action.path), recordLine('dir', action.path)];
    case 'write-file': {
      const mode = action.mode.toString(8).padStart(4, '0');
      const owner = `root:${action.group ?? 'root'}`;
      const target = safePath(action.path);
      return ['octoi_install', mode, owner, tempPathFor(target, options.runToken), target, ...syncDirectories];
    }
    case 'daemon-reload':
      return ['octoi_reload', pendingRecord(layout), ...pendingLines(restarts)];
    // systemctl's own reload after enable/disable is left out: the plan has one where it is needed.
    case 'enable-socket':
      return ['systemctl', 'enable', '--no-reload', '--', action.unit];
    case 'start-socket':
      return action.enabledNow ? ['octoi_start_new', action.unit] : ['systemctl', 'start', '--', action.unit];
    case 'restart-socket':
      return ['systemctl', 'restart', '--', action.unit];
    case 'restart-service':
      return ['systemctl', 'try-restart', '--', action.unit];
    case 'stop-service':
      return ['systemctl', 'stop', '--', action.unit];
    case 'disable-socket':
      return ['systemctl', 'disable', '--no-reload', '--now', '--', action.unit];
    case 'stop-instances':
      return ['systemctl', 'stop', '--', instancePattern(action.template)];
    case 'reset-failed':
      return ['systemctl', 'reset-failed', '--', ...action.units];
  }
}

/** The script that clears what a verified run finished from the pending record. */
export function confirmScript(units: readonly string[], layout: HostLayout = HOST_LAYOUT): string {
  return `${shellCommand(['octoi_record', pendingRecord(layout), 'drop', ...pendingLines(units)])}\n`;
}

/** Files octoi writes or deletes as root: absolute, normalised, never the root directory itself. */
function safePath(path: string): string {
  if (!path.startsWith('/') || posix.normalize(path) !== path || path === '/' || path.endsWith('/')) {
    throw OctoiError.single('internal', {
      message: `refusing to touch ${JSON.stringify(path)}: not an absolute, normalised file path`,
    });
  }
  return path;
}

/** The step markers in a piece of the host shell's output; a step that began and did not end is `unknown`. */
export function parseSteps(text: string): StepOutcome[] {
  const outcomes = new Map<number, StepOutcome>();
  for (const line of splitLines(text)) {
    const marker = parseMarker(line);
    if (marker?.kind !== 'step') continue;
    const outcome = stepOutcome(marker.args);
    outcomes.set(outcome.action, outcome);
  }
  return [...outcomes.values()];
}

/** The upload that failed in a piece of the host shell's output, with what it wrote to stderr. */
export function failedUpload(text: string): { action: number; stderr: string } | undefined {
  for (const line of splitLines(text)) {
    const marker = parseMarker(line);
    if (marker?.kind === 'upload' && marker.args[1] === 'failed') return { action: Number(marker.args[0]), stderr: decodeHex(marker.args[3] ?? '') };
  }
  return undefined;
}

function stepOutcome([index, status, exitCode, stderr]: string[]): StepOutcome {
  const action = Number(index);
  if (status === 'failed') return { action, status, exitCode: Number(exitCode), stderr: decodeHex(stderr ?? '') };
  if (status === 'begin') return { action, status: 'unknown' };
  return { action, status: status === 'ok' ? 'ok' : 'skipped' };
}
