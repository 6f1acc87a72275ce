import { posix } from 'node:path';
import { OctoiError } from '../diagnostics.js';
import { parseProbe } from '../facts/parse-probe.js';
import { instancePattern, PROBE_FUNCTIONS, probeCommands, TEMP_SUFFIX } from '../facts/probe.js';
import { decodeHex, MARKER, parseMarker, splitLines } from '../facts/probe-format.js';
import type { HostFacts } from '../facts/types.js';
import type { Action, HostPlan } from '../plan/types.js';
import { shellCommand } from '../shell.js';
import type { DesiredService } from '../units/types.js';

/**
 * Where a file is uploaded before it replaces `path`: the same directory, so the final `mv` is an
 * atomic rename, and a name starting with a dot that systemd ignores.
 */
export function tempPathFor(path: string): string {
  return posix.join(posix.dirname(path), `.${posix.basename(path)}${TEMP_SUFFIX}`);
}

/**
 * Where a file waits when the login user is not root: in that user's private staging folder
 * (created with mode 0700), named by the index of its write action in the plan.
 */
export function stagedPathFor(stagingDir: string, actionIndex: number): string {
  return posix.join(stagingDir, String(actionIndex));
}

export interface ApplyOptions {
  /**
   * Uploads wait in this folder of the login user (become): each is copied beside its target as
   * the temp file (so the rename stays in the target's file system), then installed as usual;
   * the folder is removed at the end.
   */
  stagingDir?: string;
}

export interface StepOutcome {
  /** Index of the action in `plan.actions`. */
  action: number;
  status: 'ok' | 'failed' | 'skipped';
  exitCode?: number;
  /** What the failed command wrote to stderr. */
  stderr?: string;
}

// A step runs with stdout discarded and stderr kept for its marker; after the first failure the
// remaining steps only report that they were skipped.
const STEP_FUNCTIONS = `octoi_failed=
octoi_step() {
  octoi_n=$1
  shift
  if [ -n "$octoi_failed" ]; then octoi_marker step "$octoi_n" skipped; return 0; fi
  if octoi_err=$("$@" 2>&1 >/dev/null); then
    octoi_marker step "$octoi_n" ok
  else
    octoi_rc=$?
    octoi_failed=1
    octoi_marker step "$octoi_n" failed "$octoi_rc" "$(octoi_hex "$octoi_err")"
  fi
}
octoi_install() {
  chmod -- "$1" "$2" && chown -- root:root "$2" && mv -f -T -- "$2" "$3" || return
  shift 3
  if [ $# -gt 0 ]; then sync -- "$@"; fi
}
octoi_install_staged() {
  octoi_staged=$1
  shift
  mkdir -p -- "$(dirname -- "$3")" && install -m 0600 -- "$octoi_staged" "$2" && sync -- "$2" && octoi_install "$@"
}
`;

/**
 * One `sh` script that carries out a host plan (its write-file temp files already uploaded and
 * fsynced), then reads the facts again for verification. Parse its output with `parseApplyOutput`.
 */
export function applyScript(plan: HostPlan, services: readonly DesiredService[], options: ApplyOptions = {}): string {
  const steps = stepCommands(plan.actions, options).map((argv, index) => shellCommand(['octoi_step', String(index), ...argv]));
  const cleanup = options.stagingDir === undefined ? '' : `${shellCommand(['rm', '-rf', '--', safePath(options.stagingDir)])}\n`;
  return `${PROBE_FUNCTIONS}${STEP_FUNCTIONS}octoi_marker apply ${steps.length}\n${steps.join('\n')}\n${cleanup}${probeCommands(services)}`;
}

/**
 * The command of each action, in plan order. The last file installed also fsyncs every directory
 * that received a file, so the renames are durable before systemd is told about them.
 */
export function stepCommands(actions: readonly Action[], options: ApplyOptions = {}): string[][] {
  const writes = actions.flatMap((action, index) => (action.kind === 'write-file' ? [{ index, path: action.path }] : []));
  const lastWrite = writes[writes.length - 1]?.index;
  const touched = [...new Set(writes.map((write) => posix.dirname(write.path)))].sort();
  return actions.map((action, index) => {
    const staged = options.stagingDir === undefined ? undefined : stagedPathFor(options.stagingDir, index);
    return stepCommand(action, index === lastWrite ? touched : [], staged);
  });
}

function stepCommand(action: Action, syncDirectories: string[], staged: string | undefined): string[] {
  switch (action.kind) {
    case 'remove-temp-file':
    case 'remove-file':
      return ['rm', '-f', '--', safePath(action.path)];
    case 'remove-directory':
      return ['rm', '-rf', '--', safePath(action.path)];
    case 'write-file': {
      const install = [action.mode.toString(8).padStart(4, '0'), tempPathFor(safePath(action.path)), action.path, ...syncDirectories];
      return staged === undefined ? ['octoi_install', ...install] : ['octoi_install_staged', staged, ...install];
    }
    case 'daemon-reload':
      return ['systemctl', 'daemon-reload'];
    // systemctl's own reload after enable/disable is left out: the plan has one where it is needed.
    case 'enable-socket':
      return ['systemctl', 'enable', '--no-reload', '--', action.unit];
    case 'start-socket':
      return ['systemctl', 'start', '--', action.unit];
    case 'restart-socket':
      return ['systemctl', 'restart', '--', action.unit];
    case 'disable-socket':
      return ['systemctl', 'disable', '--no-reload', '--now', '--', action.unit];
    case 'stop-instances':
      return ['systemctl', 'stop', '--', instancePattern(action.template)];
    case 'reset-failed':
      return ['systemctl', 'reset-failed', '--', ...action.units];
  }
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

/** Read the step markers and the facts printed by `applyScript`. */
export function parseApplyOutput(text: string): { steps: StepOutcome[]; facts: HostFacts } {
  const lines = splitLines(text);
  const probeStart = lines.indexOf(`${MARKER} probe 1`);
  if (probeStart < 0) {
    throw OctoiError.single('internal', {
      message: 'the apply output ends before the facts were read again',
      hint: 'the connection may have dropped mid-apply; run again: the next run finishes what is missing',
    });
  }
  const steps = lines.slice(0, probeStart).flatMap((line) => {
    const marker = parseMarker(line);
    return marker?.kind === 'step' ? [stepOutcome(marker.args)] : [];
  });
  return { steps, facts: parseProbe(lines.slice(probeStart).join('\n')) };
}

function stepOutcome([index, status, exitCode, stderr]: string[]): StepOutcome {
  const action = Number(index);
  if (status === 'failed') return { action, status, exitCode: Number(exitCode), stderr: decodeHex(stderr ?? '') };
  return { action, status: status === 'ok' ? 'ok' : 'skipped' };
}
