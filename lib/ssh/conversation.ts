import type { Client, ClientChannel } from 'ssh2';
import { becomeCommand, type BecomeOptions } from './become.js';
import { SshError, toSshError } from './errors.js';
import { underPosixShell } from './exec.js';

export interface ConversationOptions {
  become?: BecomeOptions;
}

interface ConversationExit {
  exitCode: number | null;
  signal: string | null;
  stderr: string;
}

/**
 * One remote command that stays open while octoi talks to it over stdin and stdout: octoi reads
 * what it prints up to a line it waits for, then writes the next request. Closing the channel
 * (a timeout, an interrupt, a lost link) makes the remote side's next write fail, so it stops
 * between two steps rather than carrying on alone.
 */
export class Conversation {
  #stdout = '';
  #stderr = '';
  /** sudo's ready marker, until it has shown and been cut from stdout. */
  #ready: string | undefined;
  #ended: SshError | null = null;
  #exit: ConversationExit | null = null;
  #waiters = new Set<() => void>();
  readonly #closed: Promise<void>;

  private constructor(
    private readonly channel: ClientChannel,
    private readonly host: string,
    ready: string | undefined,
  ) {
    this.#ready = ready;
    let onClose = (): void => {};
    this.#closed = new Promise<void>((resolve) => (onClose = resolve));
    channel.on('data', (chunk: Buffer) => {
      this.#stdout += chunk.toString('utf8');
      if (this.#ready !== undefined && this.#stdout.includes(`${this.#ready}\n`)) {
        this.#stdout = this.#stdout.replace(`${this.#ready}\n`, '');
        this.#ready = undefined;
      }
      this.#wake();
    });
    channel.on('exit', (code: number | null, signal?: string) => {
      this.#exit = { exitCode: code ?? null, signal: signal ?? null, stderr: '' };
    });
    channel.on('error', (error: Error) => this.#end(toSshError(error, host, host)));
    channel.on('close', () => {
      const killed = this.#exit?.signal;
      this.#end(killed
        ? new SshError('connection-lost', host, `the remote shell on ${host} was killed by ${killed} before it finished`,
          'something on the host ended octoi\'s command; the report says which steps ran; re-run to finish')
        : new SshError('connection-lost', host, `the connection to ${host} dropped before the remote command finished`,
          'the command may or may not have run to the end; re-run once the host is back'));
      onClose();
    });
  }

  /** Opens the command; with become it runs through sudo, the password answered only at sudo's own prompt. */
  static open(client: Client, command: string, host: string, options: ConversationOptions = {}): Promise<Conversation> {
    const wrapped = options.become ? becomeCommand(command, options.become) : { command };
    return new Promise((resolve, reject) => {
      try {
        client.exec(underPosixShell(wrapped.command), (error, channel) => {
          if (error) {
            reject(toSshError(error, host, host));
            return;
          }
          const conversation = new Conversation(channel, host, wrapped.ready);
          let answered = false;
          channel.stderr.on('data', (chunk: Buffer) => {
            conversation.#stderr += chunk.toString('utf8');
            const { prompt } = wrapped;
            const password = options.become?.password;
            if (prompt === undefined || password === undefined || !conversation.#stderr.includes(prompt)) return;
            conversation.#stderr = conversation.#stderr.replaceAll(prompt, '');
            // A second prompt means the password was wrong: end stdin so sudo gives up.
            if (answered) channel.end();
            else channel.write(`${password}\n`);
            answered = true;
          });
          resolve(conversation);
        });
      } catch (error) {
        reject(toSshError(error, host, host));
      }
    });
  }

  get stderr(): string {
    return this.#stderr;
  }

  write(data: string): void {
    if (this.#ended) throw this.#failure(this.#ended);
    this.channel.write(data);
  }

  /**
   * Everything printed since the last call, up to and including the line `line`. Rejects with an
   * SshError whose `output` holds what was printed when the channel closes first or `timeoutMs`
   * passes (then the channel is closed).
   */
  readUntil(line: string, timeoutMs?: number): Promise<string> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const check = (): void => {
        const found = this.#find(line);
        if (found >= 0) {
          finish();
          const output = this.#stdout.slice(0, found + line.length + 1);
          this.#stdout = this.#stdout.slice(found + line.length + 1);
          resolve(output);
        } else if (this.#ended) {
          finish();
          reject(this.#failure(this.#ended));
        }
      };
      const finish = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.#end(new SshError('timeout', this.host, `a command on ${this.host} did not answer within ${timeoutMs / 1000} s`,
            'raise --command-timeout if the host is just slow; the report says which steps ran'));
          this.close();
        }, timeoutMs);
      }
      this.#waiters.add(check);
      check();
    });
  }

  /** Ends stdin, waits for the command to exit (at most `timeoutMs`), and says how it ended. */
  async end(timeoutMs = 10_000): Promise<ConversationExit> {
    if (!this.#ended) this.channel.end();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    this.close();
    return { ...(this.#exit ?? { exitCode: null, signal: null }), stderr: this.#stderr };
  }

  /** Closes the channel at once: the remote command's next write fails and it stops. */
  close(): void {
    try {
      this.channel.close();
    } catch {
      // already closed
    }
  }

  #find(line: string): number {
    if (this.#stdout.startsWith(`${line}\n`)) return 0;
    const at = this.#stdout.indexOf(`\n${line}\n`);
    return at < 0 ? -1 : at + 1;
  }

  #end(error: SshError): void {
    this.#ended ??= error;
    for (const waiter of [...this.#waiters]) waiter();
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  #failure(error: SshError): SshError {
    return error.withOutput({
      stdout: this.#stdout,
      stderr: this.#stderr,
      exitCode: this.#exit?.exitCode ?? null,
      signal: this.#exit?.signal ?? null,
      timedOut: error.reason === 'timeout',
    });
  }
}
