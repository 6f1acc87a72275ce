import { constants } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Client, ClientChannel } from 'ssh2';
import { shellQuote } from '../shell.js';
import { becomeCommand, type BecomeCommand, type BecomeOptions } from './become.js';
import { SshError, toSshError, type CommandOutput } from './errors.js';

/** A command that ran to its end (a failure is an SshError whose `output` has the same shape). */
export interface ExecResult extends CommandOutput {
  exitCode: number;
  /** The signal that killed the remote command, e.g. `SIGTERM` (then `exitCode` is 128 + its number), else null. */
  signal: string | null;
  timedOut: false;
  durationMs: number;
}

export interface ExecOptions {
  /** Written to the command's stdin, which is then closed. */
  stdin?: string;
  timeoutMs?: number | undefined;
  /** Run through sudo as another user (default root). */
  become?: BecomeOptions | undefined;
}

interface ChannelOutput {
  stdout: Buffer[];
  stderr: Buffer[];
}

function text(chunks: Buffer[]): string {
  return Buffer.concat(chunks).toString('utf8');
}

function exitCodeOfSignal(signal: string): number {
  const name = signal.startsWith('SIG') ? signal : `SIG${signal}`;
  const number = (constants.signals as Record<string, number | undefined>)[name];
  return number === undefined ? 255 : 128 + number;
}

/**
 * Feeds stdin: at once for a plain command; for `sudo -S`, the password only when sudo's prompt
 * shows on stderr (once: a second prompt means a wrong password, so stdin is closed) and the
 * caller's stdin only once the ready marker shows on stdout.
 */
function feedStdin(channel: ClientChannel, wrapped: BecomeCommand, output: ChannelOutput, options: ExecOptions) {
  const sendInput = (): void => {
    if (options.stdin !== undefined) channel.write(options.stdin);
    channel.end();
  };
  const { prompt, ready } = wrapped;
  const password = options.become?.password;
  if (prompt === undefined || ready === undefined || password === undefined) {
    sendInput();
    return { onStdout: () => {}, onStderr: () => {} };
  }
  let answered = false;
  let started = false;
  return {
    onStdout() {
      if (!started && Buffer.concat(output.stdout).includes(`${ready}\n`)) {
        started = true;
        sendInput();
      }
    },
    onStderr() {
      if (started || !Buffer.concat(output.stderr).includes(prompt)) return;
      if (answered) {
        channel.end();
        return;
      }
      answered = true;
      channel.write(`${password}\n`);
    },
  };
}

function stripMarkers(wrapped: BecomeCommand, stdout: string, stderr: string): { stdout: string; stderr: string } {
  return {
    stdout: wrapped.ready ? stdout.replace(`${wrapped.ready}\n`, '') : stdout,
    stderr: wrapped.prompt ? stderr.replaceAll(wrapped.prompt, '') : stderr,
  };
}

/**
 * sshd hands a command to the login user's shell, which may not be a POSIX sh (zsh does not split
 * unquoted words): like Ansible, octoi has every command run by /bin/sh. It also spares a bash
 * login shell from interpreting octoi's scripts, which costs it more than dash.
 */
export function underPosixShell(command: string): string {
  return `exec /bin/sh -c ${shellQuote(command)}`;
}

/**
 * Runs one command on its own channel. A channel that closes without an exit status means the
 * connection dropped: that is a failure (`connection-lost`), never a success.
 */
export function runCommand(client: Client, command: string, options: ExecOptions, host: string): Promise<ExecResult> {
  const started = performance.now();
  const wrapped: BecomeCommand = options.become ? becomeCommand(command, options.become) : { command };
  return new Promise((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const output: ChannelOutput = { stdout: [], stderr: [] };
    const soFar = (timedOut: boolean): CommandOutput => ({ ...stripMarkers(wrapped, text(output.stdout), text(output.stderr)), exitCode: null, signal: null, timedOut });
    const fail = (error: unknown): void => settle(() => reject(toSshError(error, host, host).withOutput(soFar(false))));
    let opened: ClientChannel | undefined;
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        settle(() => reject(new SshError('timeout', host, `a command on ${host} did not finish within ${options.timeoutMs} ms`,
          'raise the command timeout if the host is just slow', soFar(true))));
        try {
          opened?.signal('KILL');
        } catch {
          // the channel may already be gone
        }
        opened?.close();
      }, options.timeoutMs);
    }
    try {
      client.exec(underPosixShell(wrapped.command), (error, channel) => {
        if (error) {
          fail(error);
          return;
        }
        opened = channel;
        if (settled) {
          channel.close(); // timed out while the channel was being opened
          return;
        }
        let exit: { code: number | null; signal: string | null } | null = null;
        const input = feedStdin(channel, wrapped, output, options);
        channel.on('data', (chunk: Buffer) => {
          output.stdout.push(chunk);
          input.onStdout();
        });
        channel.stderr.on('data', (chunk: Buffer) => {
          output.stderr.push(chunk);
          input.onStderr();
        });
        channel.on('exit', (code: number | null, signal?: string) => {
          exit = { code: code ?? null, signal: signal ?? null };
        });
        channel.on('error', fail);
        channel.on('close', () => {
          const result = exit;
          if (result === null || (result.code === null && result.signal === null)) {
            fail(new SshError('connection-lost', host, `the connection to ${host} dropped before the command finished`,
              'the command may or may not have run to the end; re-run once the host is back'));
            return;
          }
          const { stdout, stderr } = stripMarkers(wrapped, text(output.stdout), text(output.stderr));
          settle(() => resolve({
            exitCode: result.code ?? exitCodeOfSignal(result.signal!),
            signal: result.code === null ? result.signal : null,
            stdout,
            stderr,
            timedOut: false,
            durationMs: Math.round(performance.now() - started),
          }));
        });
      });
    } catch (error) {
      fail(error);
    }
  });
}
