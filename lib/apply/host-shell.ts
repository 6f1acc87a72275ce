import { hostname } from 'node:os';
import { parseProbe } from '../facts/parse-probe.js';
import { PROBE_FUNCTIONS, probeCommands } from '../facts/probe.js';
import { decodeHex, MARKER, parseMarker, splitLines } from '../facts/probe-format.js';
import type { HostFacts } from '../facts/types.js';
import { HOST_LAYOUT, type HostLayout } from '../host-layout.js';
import type { HostSession } from '../run/session-pool.js';
import type { Conversation } from '../ssh/conversation.js';
import { shellCommand } from '../shell.js';
import type { DesiredService } from '../units/types.js';
import { STEP_FUNCTIONS } from './script.js';

export interface HostShellOptions {
  /** Read the current text of every managed file, for diffs. */
  contents: boolean;
  /** `exclusive` to change the host; `shared` to read it (check, plan, status) while no run changes it. */
  lock: 'exclusive' | 'shared';
  /** How long to wait for another run's lock. */
  lockWaitSeconds: number;
  /** Bounds each request, past the wait for the lock. */
  timeoutMs?: number;
  layout?: HostLayout;
}

/** Another run holds the host, or the host cannot be locked at all. */
export class HostLockError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/** Who this run is, as a waiting run shows it. */
const RUN_HOLDER = `pid ${process.pid} on ${hostname()}, started ${new Date().toISOString()}`;

const END = `${MARKER} end`;
const DONE = `${MARKER} done`;

/**
 * Serves requests from octoi: `run N` then N bytes of script, which runs in this same shell (the
 * functions stay defined, the lock stays held); `::octoi:: done` ends each answer. End of input
 * ends the shell and with it the lock. `head -c` reads no byte past the script: octoi writes the
 * next request only after the answer to this one.
 */
const SERVE = `octoi_serve() {
  while IFS= read -r octoi_request; do
    case $octoi_request in
      'run '*)
        octoi_script=$(head -c "\${octoi_request#run }") || return
        eval "$octoi_script"
        octoi_marker done
        ;;
      *) return ;;
    esac
  done
}
# Arguments: the lock folder, -x or -s, seconds to wait, who this run is.
octoi_lock() {
  if ! command -v flock >/dev/null 2>&1 || ! mkdir -p -m 0700 -- "$1" || [ -L "$1" ] || [ -L "$1/lock" ]; then
    octoi_marker lock unavailable
    return 1
  fi
  exec 9>>"$1/lock"
  if flock "$2" -w "$3" 9; then
    if [ "$2" = -x ]; then printf '%s\\n' "$4" > "$1/holder"; fi
    return 0
  fi
  octoi_marker lock busy "$(octoi_hex "$(octoi_cat "$1/holder")")"
  return 1
}
`;

/**
 * One shell on the host for a whole converge: it takes octoi's lock on the host, reads the facts,
 * and then carries out what octoi sends while still holding the lock, so no other run changes the
 * host between the facts this run planned from and its verification. A host in sync costs this
 * one command.
 */
export class HostShell {
  private constructor(
    private readonly conversation: Conversation,
    readonly facts: HostFacts,
    private readonly timeoutMs: number | undefined,
  ) {}

  static async open(session: HostSession, services: readonly DesiredService[], options: HostShellOptions): Promise<HostShell> {
    const layout = options.layout ?? HOST_LAYOUT;
    const lock = shellCommand(['octoi_lock', layout.lockDirectory, options.lock === 'exclusive' ? '-x' : '-s', String(options.lockWaitSeconds), RUN_HOLDER]);
    const script = `${PROBE_FUNCTIONS}${STEP_FUNCTIONS}${SERVE}if ${lock}; then
${probeCommands(services, { contents: options.contents, layout })}octoi_serve
else
  octoi_marker end
fi
`;
    const conversation = await session.converse(script, session.become ? { become: session.become } : {});
    try {
      const waitMs = options.timeoutMs === undefined ? undefined : options.timeoutMs + options.lockWaitSeconds * 1000;
      const output = await conversation.readUntil(END, waitMs);
      lockProblem(output, session.target.name);
      return new HostShell(conversation, parseProbe(output), options.timeoutMs);
    } catch (error) {
      conversation.close();
      throw error;
    }
  }

  /** Runs a script in the host's shell and returns what it printed. */
  async run(script: string): Promise<string> {
    this.conversation.write(`run ${Buffer.byteLength(script)}\n${script}`);
    const output = await this.conversation.readUntil(DONE, this.timeoutMs);
    return output.slice(0, output.length - DONE.length - 1);
  }

  /** Ends the shell, which releases the lock. */
  async close(): Promise<void> {
    await this.conversation.end();
  }
}

function lockProblem(output: string, host: string): void {
  const marker = splitLines(output).map(parseMarker).find((line) => line?.kind === 'lock');
  if (!marker) return;
  if (marker.args[0] === 'busy') {
    const holder = decodeHex(marker.args[1] ?? '').trim() || 'holder unknown';
    throw new HostLockError(`another octoi run (${holder}) holds ${host}`, 'wait for it to finish, or raise --lock-timeout; a run that died releases the lock with its connection');
  }
  throw new HostLockError(`octoi cannot lock ${host}: flock (util-linux) is missing or /run is not usable`, 'install util-linux on the host');
}
