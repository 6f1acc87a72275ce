import { formatDiagnostic, type Diagnostic } from '../diagnostics.js';

export type SshFailureReason =
  | 'unreachable'
  | 'timeout'
  | 'auth'
  | 'host-key-unknown'
  | 'host-key-changed'
  | 'host-key-revoked'
  | 'connection-lost'
  | 'interrupted';

/**
 * What a remote command left when it ended, shaped like execa's result: its output so far, and how
 * it ended (`exitCode` and `signal` are null when no exit status came back).
 */
export interface CommandOutput {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
}

/**
 * A transport failure on one host: why (`reason`) and a diagnostic that says what to do; when a
 * command was running, `output` holds what it printed before the failure.
 */
export class SshError extends Error {
  readonly reason: SshFailureReason;
  readonly host: string;
  readonly diagnostic: Diagnostic;
  readonly output: CommandOutput | undefined;

  constructor(reason: SshFailureReason, host: string, message: string, hint?: string, output?: CommandOutput) {
    const diagnostic: Diagnostic = { severity: 'error', message, host, ...(hint ? { hint } : {}) };
    super(formatDiagnostic(diagnostic));
    this.name = 'SshError';
    this.reason = reason;
    this.host = host;
    this.diagnostic = diagnostic;
    this.output = output;
  }

  /** The same failure, with the output of the command it ended. */
  withOutput(output: CommandOutput): SshError {
    return new SshError(this.reason, this.host, this.diagnostic.message, this.diagnostic.hint, output);
  }
}

interface TransportError {
  message: string;
  code?: string;
  level?: string;
}

function asTransportError(error: unknown): TransportError {
  if (error instanceof Error) return error;
  return { message: String(error) };
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const LOST_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** Maps an ssh2/socket error to a reason; `where` names the host (and the jump host, if any). */
export function toSshError(error: unknown, host: string, where: string): SshError {
  if (error instanceof SshError) return error;
  const { message, code, level } = asTransportError(error);
  if (code && UNREACHABLE_CODES.has(code)) {
    return new SshError('unreachable', host, `cannot reach ${where}: ${message}`,
      'check the address and port, and that sshd runs on the host');
  }
  // ssh2 gives a keep-alive timeout of a live connection the level of a connect timeout
  if ((code && LOST_CODES.has(code)) || /No response from server|Keepalive timeout|Not connected/.test(message)) {
    return new SshError('connection-lost', host, `the connection to ${where} was lost: ${message}`,
      'the host or the network dropped the connection; re-run once it is back');
  }
  if (level === 'client-timeout' || code === 'ETIMEDOUT') {
    return new SshError('timeout', host, `timed out connecting to ${where}: ${message}`,
      'the host accepted no SSH session in time; check that sshd answers there, or raise the connect timeout');
  }
  if (level === 'client-authentication') {
    return new SshError('auth', host, `authentication to ${where} failed: ${message}`,
      'check the user and the identity files (IdentityFile, ansible_ssh_private_key_file) or the ssh-agent');
  }
  if (/Channel open failure/.test(message)) {
    return new SshError('unreachable', host, `the jump host could not open a connection to ${where}: ${message}`,
      'check that the jump host can reach the target and allows TCP forwarding');
  }
  return new SshError('connection-lost', host, `SSH to ${where} failed: ${message}`);
}

/** Why an SSH server refused to open a channel (RFC 4254, 5.1). */
type ChannelRefusal = 'administratively-prohibited' | 'connect-failed' | 'unknown-channel-type' | 'resource-shortage';

const CHANNEL_REFUSALS: Record<number, ChannelRefusal> = {
  1: 'administratively-prohibited',
  2: 'connect-failed',
  3: 'unknown-channel-type',
  4: 'resource-shortage',
};

/** The server answered a channel open with a failure: the connection itself is fine. */
export class ChannelOpenError extends Error {
  constructor(
    readonly refusal: ChannelRefusal,
    /** The server's own words, e.g. OpenSSH's `Connection refused`. */
    readonly description: string,
  ) {
    super(description);
    this.name = 'ChannelOpenError';
  }
}

/** ssh2 reports a refused channel as an Error with the numeric reason code: that, typed, or null for any other error. */
export function channelOpenError(error: unknown): ChannelOpenError | null {
  if (!(error instanceof Error)) return null;
  const refusal = CHANNEL_REFUSALS[(error as Error & { reason?: unknown }).reason as number];
  return refusal ? new ChannelOpenError(refusal, error.message.replace(/^\(SSH\) Channel open failure: /, '')) : null;
}
