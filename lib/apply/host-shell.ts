import { HostLockError } from '../host/failure.js';
import { hostname } from 'node:os';
import { parseProbe } from '../facts/parse-probe.js';
import { PROBE_FUNCTIONS, probeCommands } from '../facts/probe.js';
import { decodeHex, MARKER, parseMarker, splitLines } from '../facts/probe-format.js';
import type { HostFacts } from '../facts/types.js';
import { HOST_LAYOUT, type HostLayout } from '../host-layout.js';
import type { HostSession } from '../ssh/session.js';
import type { Conversation } from '../ssh/conversation.js';
import { SshError } from '../ssh/errors.js';
import { shellAssignments, shellCommand, shellFile } from '../shell.js';
import type { DesiredService } from '../units/types.js';
import { STEP_FUNCTIONS } from './script.js';

interface HostShellOptions {
  /** Read the current text of every managed file, for diffs. */
  contents: boolean;
  /** Read each service's exposure score (`octoi plan`). */
  exposure?: boolean;
  /** `exclusive` to change the host; `shared` to read it (check, plan, status) while no run changes it. */
  lock: 'exclusive' | 'shared';
  /** How long to wait for another run's lock. */
  lockWaitSeconds: number;
  /** Bounds each request, past the wait for the lock. */
  timeoutMs?: number;
  layout?: HostLayout;
}

/** How long the host's shell waits for octoi's next request, and how often octoi pings it while busy elsewhere. */
const IDLE_SECONDS = 30;
const PING_MS = 5_000;

/** Who this run is, as a waiting run shows it. */
const RUN_HOLDER = `pid ${process.pid} on ${hostname()}, started ${new Date().toISOString()}`;

const END = `${MARKER} end`;
const DONE = `${MARKER} done`;
/** The last line of every request: a script without it was cut off on its way. */
const REQUEST_END = `# ${MARKER} end of request`;

/** The functions that serve octoi's requests and take its lock (host-shell.sh). */
export const SERVE_FUNCTIONS = `${shellAssignments({ octoi_request_end: REQUEST_END })}${shellFile(import.meta.url, 'host-shell.sh')}`;

/** `script` as the host's shell reads a request: its size, then its text, then the end line. */
export function framedRequest(script: string): string {
  const request = `${script.endsWith('\n') ? script : `${script}\n`}${REQUEST_END}\n`;
  return `run ${Buffer.byteLength(request)}\n${request}`;
}

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
    // The first newline ends whatever a chatty login shell printed without one, so markers start their lines.
    const script = `printf '\\n'
${PROBE_FUNCTIONS}${STEP_FUNCTIONS}${SERVE_FUNCTIONS}if ${lock}; then
${probeCommands(services, { contents: options.contents, exposure: options.exposure ?? false, layout })}${shellCommand(['octoi_serve', String(IDLE_SECONDS)])}
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
      throw sudoRefusal(session, conversation.stderr) ?? error;
    }
  }

  /** Runs a script in the host's shell and returns what it printed. */
  async run(script: string): Promise<string> {
    this.send(script);
    return this.readUntilDone();
  }

  /** Sends a script to the host's shell; its output is read with `readUntil` and `readUntilDone`. */
  send(script: string): void {
    this.conversation.write(framedRequest(script));
  }

  /** What the script sent last printed up to and including the marker line `kind`. */
  readUntil(kind: string): Promise<string> {
    return this.conversation.readUntil(`${MARKER} ${kind}`, this.timeoutMs);
  }

  /** The rest of what the script sent last printed, to its end. */
  async readUntilDone(): Promise<string> {
    const output = await this.conversation.readUntil(DONE, this.timeoutMs);
    return output.slice(0, output.length - DONE.length - 1);
  }

  /** Keeps the shell waiting while `work` runs (an upload on another channel). */
  async whileBusy<T>(work: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => {
      try {
        this.conversation.write('ping\n');
      } catch {
        // the channel is gone: the work fails on its own
      }
    }, PING_MS);
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  /** Ends the shell, which releases the lock. */
  async close(): Promise<void> {
    await this.conversation.end();
  }
}

/** sudo ended the shell before it started: a wrong or missing password is an authentication failure. */
function sudoRefusal(session: HostSession, stderr: string): SshError | null {
  if (session.become === undefined || !SUDO_REFUSED.test(stderr)) return null;
  const user = session.become.user ?? 'root';
  return new SshError('auth', session.target.name, `sudo on ${session.target.name} refused to run commands as ${user}: ${stderr.trim().split('\n').pop()}`,
    'check the become password (octoi_become_password_env) or the sudoers rules of the login user');
}

const SUDO_REFUSED = /incorrect password|Sorry, try again|a password is required|no password was provided|is not in the sudoers|not allowed to execute/;

export function lockProblem(output: string, host: string): void {
  const marker = splitLines(output).map(parseMarker).find((line) => line?.kind === 'lock');
  if (!marker) return;
  if (marker.args[0] === 'busy') {
    const holder = decodeHex(marker.args[1] ?? '').trim() || 'holder unknown';
    throw new HostLockError(`another octoi run (${holder}) holds ${host}`, 'wait for it to finish, or raise --lock-timeout; a run that died releases the lock with its connection');
  }
  if (marker.args[0] === 'denied') {
    throw new HostLockError(`the login user on ${host} cannot take octoi's lock in /run/octoi: changing a host needs root`, 'log in as root, or use become (ansible_become: true)');
  }
  throw new HostLockError(`octoi cannot lock ${host}: flock (util-linux) is not installed`, 'install util-linux on the host');
}
