/**
 * Host sessions that replay what a real lab host answered (test/fixtures/sessions/, captured by
 * test/run/capture-sessions.ts): converge, batching, budgets and skipping run over a fleet of
 * them without root, the host's shell going through octoi's real Conversation.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client, ClientChannel } from 'ssh2';
import { packageRoot } from '../../lib/paths.js';
import { SessionPool, type HostTarget } from '../../lib/run/session-pool.js';
import { Conversation } from '../../lib/ssh/conversation.js';
import { SshError, type SshFailureReason } from '../../lib/ssh/errors.js';
import type { ExecResult, HostSession, SessionCounters } from '../../lib/ssh/session.js';
import type { SshTarget } from '../../lib/ssh/types.js';

export const sessionFixtures = join(packageRoot(), 'test', 'fixtures', 'sessions');

/** How a request ended when the host gave no full answer (the channel closed, a timeout). */
export interface CapturedFailure {
  reason: SshFailureReason;
  message: string;
}

/** One request to the host and what it answered, in the order the run made them. */
export type Exchange =
  /** The host's shell opened: what it printed up to the end of its probe. */
  | { call: 'converse'; output: string; failure?: CapturedFailure }
  /** A script run in that shell, and what it printed up to its done marker. */
  | { call: 'run'; request: string; output: string; failure?: CapturedFailure }
  /** The shell's stdin ended: how it exited. */
  | { call: 'end'; exitCode: number | null; signal: string | null; stderr: string }
  | { call: 'exec'; command: string; result: ExecResult }
  | { call: 'exec'; command: string; failure: CapturedFailure };

export interface SessionTranscript {
  /** Where and how it was captured. */
  source: string;
  exchanges: Exchange[];
}

export function readTranscript(name: string): SessionTranscript {
  return JSON.parse(readFileSync(join(sessionFixtures, `${name}.json`), 'utf8')) as SessionTranscript;
}

/** A HostSession answering from a transcript; `unanswered` says what of it the run did not ask for. */
export interface ReplaySession extends HostSession {
  /** Requests the run made that the transcript has no answer for, in order. */
  readonly offScript: string[];
  /** Exchanges of the transcript the run did not reach. */
  unanswered(): Exchange[];
}

export function replaySession(target: SshTarget, transcript: SessionTranscript): ReplaySession {
  const pending = [...transcript.exchanges];
  const offScript: string[] = [];
  const counters: SessionCounters = { execs: 0, uploads: 0 };
  const next = <C extends Exchange['call']>(call: C, request: string): Extract<Exchange, { call: C }> => {
    const exchange = pending[0];
    if (exchange?.call !== call) {
      offScript.push(`${call}: ${request.slice(0, 200)}`);
      throw new Error(`the captured session has no answer here for ${call} (next captured: ${exchange?.call ?? 'nothing'})`);
    }
    pending.shift();
    return exchange as Extract<Exchange, { call: C }>;
  };
  const fail = (failure: CapturedFailure): SshError => new SshError(failure.reason, target.name, failure.message);
  const client = {
    exec(command: string, callback: (error: Error | undefined, channel: ClientChannel) => void) {
      callback(undefined, new ReplayChannel(next, command) as unknown as ClientChannel);
    },
  } as unknown as Client;
  return {
    target,
    counters,
    offScript,
    unanswered: () => [...pending],
    async exec(command) {
      counters.execs += 1;
      const exchange = next('exec', command);
      if ('failure' in exchange) throw fail(exchange.failure);
      return exchange.result;
    },
    async converse(command, options) {
      counters.execs += 1;
      return Conversation.open(client, command, target.name, options);
    },
    countUploads(files) {
      counters.uploads += files;
    },
    async openTcp(address, port) {
      next('exec', `open TCP ${address}:${port}`);
      throw new Error('a captured session opens no TCP connection');
    },
    async close() {},
  };
}

type NextExchange = <C extends Exchange['call']>(call: C, request: string) => Extract<Exchange, { call: C }>;

/** The channel of the host's shell: each request written gets the captured answer, as a real channel emits it. */
class ReplayChannel extends EventEmitter {
  readonly stderr = new EventEmitter();
  #closed = false;

  constructor(
    private readonly next: NextExchange,
    command: string,
  ) {
    super();
    const opened = next('converse', command);
    this.#answer(opened.output, opened.failure);
  }

  write(data: string): boolean {
    if (data === 'ping\n') return true;
    const request = /^run \d+\n/.exec(data);
    if (!request) throw new Error(`the host's shell was sent neither a run nor a ping: ${data.slice(0, 80)}`);
    const answered = this.next('run', data.slice(request[0].length));
    this.#answer(answered.output, answered.failure);
    return true;
  }

  end(): void {
    const ended = this.next('end', 'end of input');
    setImmediate(() => {
      if (ended.stderr) this.stderr.emit('data', Buffer.from(ended.stderr));
      this.emit('exit', ended.exitCode, ...(ended.signal === null ? [] : [ended.signal]));
      this.close();
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    setImmediate(() => this.emit('close'));
  }

  #answer(output: string, failure: CapturedFailure | undefined): void {
    setImmediate(() => {
      this.emit('data', Buffer.from(output));
      // The channel closed before the answer was complete (the shell killed, the link lost).
      if (failure) this.close();
    });
  }
}

/**
 * The pool of a run whose hosts answer from transcripts: each host named in `transcripts` replays
 * its own copy; any other host is got as the real pool gets it (a refused target fails as refused).
 */
export class ReplayPool extends SessionPool {
  readonly sessions = new Map<string, ReplaySession>();

  constructor(
    private readonly targets: ReadonlyMap<string, HostTarget>,
    private readonly transcripts: Readonly<Record<string, SessionTranscript>>,
  ) {
    super(targets, {});
  }

  override get(host: string): Promise<HostSession> {
    const transcript = this.transcripts[host];
    const target = this.targets.get(host);
    if (transcript === undefined || target === undefined || 'refusal' in target) return super.get(host);
    let session = this.sessions.get(host);
    if (!session) {
      session = replaySession(target.ssh, transcript);
      this.sessions.set(host, session);
    }
    return Promise.resolve(session);
  }
}
