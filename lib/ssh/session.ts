import { NodeSSH, type Config } from 'node-ssh';
import type { Client, ServerHostKeyAlgorithm } from 'ssh2';
import type { Duplex } from 'node:stream';
import type { BecomeOptions } from './become.js';
import { planAuthentication, type AuthOptions } from './auth.js';
import { channelOpenError, SshError, toSshError } from './errors.js';
import { Conversation, type ConversationOptions } from './conversation.js';
import { runCommand, type ExecOptions, type ExecResult } from './exec.js';
import { hostKeyAlgorithmsForTarget, verifyHostKey } from './host-key-policy.js';
import { KnownHostsCache } from './known-hosts.js';
import type { SshTarget } from './types.js';

export type { ExecOptions, ExecResult } from './exec.js';

export interface ConnectOptions extends AuthOptions {
  /** TCP connect + handshake + authentication, per hop. Default: the target's ConnectTimeout, else 15 s. */
  connectTimeoutMs?: number;
  /** Default timeout of each command (none when unset). */
  commandTimeoutMs?: number;
  /** A dead link is detected after three unanswered keep-alives. Default 5 s. */
  keepaliveIntervalMs?: number;
  /** Aborting closes the connection; pending and later calls fail with reason `interrupted`. */
  signal?: AbortSignal;
}

export interface SessionCounters {
  execs: number;
  uploads: number;
}

export interface RemoteSession {
  readonly target: SshTarget;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** One remote command to talk to over stdin and stdout (counted as one command). */
  converse(command: string, options?: ConversationOptions): Promise<Conversation>;
  /** Counts files that went up inside a command's input (a conversation's request) as uploads. */
  countUploads(files: number): void;
  /**
   * A TCP connection the host itself opens to `address`:`port` (a `direct-tcpip` channel, as
   * `ssh -W`), so nothing needs to be installed or opened on the host. Rejects with a
   * `ChannelOpenError` when the host's sshd refuses the channel (forwarding forbidden, nothing
   * listening), with an `SshError` when the connection itself fails.
   */
  openTcp(address: string, port: number): Promise<Duplex>;
  close(): Promise<void>;
  readonly counters: Readonly<SessionCounters>;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
const DEFAULT_KEEPALIVE_MS = 5_000;
const CLOSE_GRACE_MS = 3_000;

function describeTarget(target: SshTarget, via: SshTarget | undefined): string {
  const where = `${target.user}@${target.hostname}:${target.port}`;
  return via ? `${where} (via jump host ${via.hostname}:${via.port})` : where;
}

function connectTimeoutMs(target: SshTarget, options: ConnectOptions): number {
  if (options.connectTimeoutMs !== undefined) return options.connectTimeoutMs;
  return target.connectTimeoutSeconds ? target.connectTimeoutSeconds * 1000 : DEFAULT_CONNECT_TIMEOUT_MS;
}

function interrupted(host: string): SshError {
  return new SshError('interrupted', host, `the connection to ${host} was interrupted`);
}

/**
 * A `direct-tcpip` channel: the server connects to `host`:`port` from its side, as for `ssh -W`.
 * Rejects with ssh2's error, whose `reason` is the SSH channel-open failure code.
 */
function openDirectTcp(client: Client, host: string, port: number): Promise<Duplex> {
  // a synchronous throw of forwardOut rejects the promise too
  return new Promise((resolve, reject) => {
    client.forwardOut('127.0.0.1', 0, host, port, (error, stream) => (error ? reject(error) : resolve(stream)));
  });
}

/** A `direct-tcpip` channel through the jump host, to be the target connection's socket. */
async function forwardThrough(jump: Client, target: SshTarget, timeoutMs: number, where: string): Promise<Duplex> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('forwarding did not open'), { level: 'client-timeout' })), timeoutMs);
  });
  try {
    return await Promise.race([openDirectTcp(jump, target.hostname, target.port), timeout]);
  } catch (error) {
    throw toSshError(error, target.name, where);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One authenticated ssh2 client. It keeps an `error` listener for its whole life (a late
 * ECONNRESET must not crash the process); the last error is kept to explain a failure.
 */
async function openClient(target: SshTarget, options: ConnectOptions, knownHosts: KnownHostsCache, via?: { client: Client; target: SshTarget }): Promise<Client> {
  if (options.signal?.aborted) throw interrupted(target.name);
  const where = describeTarget(target, via?.target);
  const timeoutMs = connectTimeoutMs(target, options);
  const sock = via ? await forwardThrough(via.client, target, timeoutMs, where) : undefined;
  const auth = planAuthentication(target, options);
  if (auth.methods.length === 0) {
    sock?.destroy();
    throw new SshError('auth', target.name, `no usable identity for ${where}`,
      [...auth.problems, 'set IdentityFile (or ansible_ssh_private_key_file), or start an ssh-agent'].join('; '));
  }
  // set by the host key callback, so declared wide: the compiler would narrow a plain null to never
  let hostKeyFailure = null as SshError | null;
  const config: Config = {
    host: target.hostname,
    port: target.port,
    ...(sock ? { sock } : {}),
    username: target.user,
    readyTimeout: timeoutMs,
    keepaliveInterval: options.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_MS,
    keepaliveCountMax: 3,
    authHandler: auth.methods,
    algorithms: { serverHostKey: hostKeyAlgorithmsForTarget(knownHosts, target) as ServerHostKeyAlgorithm[] },
    hostVerifier: (key: Buffer) => {
      hostKeyFailure = verifyHostKey(knownHosts, target, key);
      return hostKeyFailure === null;
    },
  };
  const ssh = new NodeSSH();
  const connecting = ssh.connect(config);
  // node-ssh creates the client synchronously, before its first await
  const client = ssh.connection!;
  client.on('error', () => {});
  // ssh2 settles a destroyed client's handshake only at its ready timeout: an abort must not wait for it.
  let interrupt = (): void => {};
  const aborted = new Promise<never>((_, reject) => (interrupt = () => reject(interrupted(target.name))));
  aborted.catch(() => {});
  connecting.catch(() => {});
  const abort = (): void => {
    client.end();
    client.destroy();
    interrupt();
  };
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    await Promise.race([connecting, aborted]);
  } catch (error) {
    client.destroy();
    options.signal?.removeEventListener('abort', abort);
    if (hostKeyFailure) throw hostKeyFailure;
    if (options.signal?.aborted) throw interrupted(target.name);
    const failure = toSshError(error, target.name, where);
    if (failure.reason === 'auth' && auth.problems.length > 0) {
      throw new SshError('auth', target.name, failure.diagnostic.message, [...auth.problems, failure.diagnostic.hint].join('; '));
    }
    throw failure;
  }
  client.once('close', () => options.signal?.removeEventListener('abort', abort));
  return client;
}

/** Ends a connection and waits until it is closed; a peer that never answers the disconnect must not keep octoi from exiting. */
function endClient(client: Client): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.destroy();
      resolve();
    }, CLOSE_GRACE_MS);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    client.end();
  });
}

interface JumpConnection {
  client: Client;
  target: SshTarget;
  upstream: PooledJump | null;
}

interface PooledJump {
  key: string;
  users: number;
  connection: Promise<JumpConnection>;
  closed: boolean;
  ending?: Promise<void>;
}

/** Everything but the display name: a connection is shared only under the same host-key policy and identity. */
function chainKey(hops: readonly SshTarget[]): string {
  return JSON.stringify(hops.map(({ name: _name, ...hop }) => hop));
}

/**
 * Opens connections that share what one run may share: a jump host connection for every target
 * behind the same chain of hops, and known_hosts as parsed. Nothing is shared between two
 * connectors, and closing one ends its jump connections.
 */
export class Connector {
  readonly #jumps = new Map<string, PooledJump>();
  /** Jump connections being ended, which `close` waits for. */
  readonly #ending = new Set<Promise<void>>();

  constructor(readonly knownHosts = new KnownHostsCache()) {}

  /** Opens one connection to the target, through its ProxyJump hops. */
  async connect(target: SshTarget, options: ConnectOptions = {}): Promise<RemoteSession> {
    let jump: PooledJump | null;
    try {
      jump = await this.#acquire(target.proxyJump, options);
    } catch (error) {
      const failure = toSshError(error, target.name, target.name);
      throw new SshError(failure.reason, target.name, `jump host: ${failure.diagnostic.message}`, failure.diagnostic.hint);
    }
    try {
      const via = jump ? await jump.connection : undefined;
      const client = await openClient(target, options, this.knownHosts, via);
      return new Session(target, client, () => this.#release(jump), options);
    } catch (error) {
      this.#release(jump);
      throw error;
    }
  }

  /** Ends every jump connection, those still in use too, and waits until they are closed. */
  async close(): Promise<void> {
    const open = [...this.#jumps.values()];
    this.#jumps.clear();
    for (const jump of open) this.#end(jump);
    while (this.#ending.size > 0) await Promise.all(this.#ending);
  }

  /** The pool entry is registered before any await, so concurrent targets share one connection. */
  async #acquire(hops: readonly SshTarget[], options: ConnectOptions): Promise<PooledJump | null> {
    if (hops.length === 0) return null;
    const key = chainKey(hops);
    let jump = this.#jumps.get(key);
    if (jump) {
      jump.users += 1;
    } else {
      const created: PooledJump = { key, users: 1, connection: this.#connectHop(hops, options), closed: false };
      this.#jumps.set(key, created);
      created.connection.then(({ client }) => client.once('close', () => {
        created.closed = true;
        if (this.#jumps.get(key) === created) this.#jumps.delete(key);
      }), () => undefined);
      jump = created;
    }
    try {
      await jump.connection;
      return jump;
    } catch (error) {
      this.#release(jump);
      throw error;
    }
  }

  async #connectHop(hops: readonly SshTarget[], options: ConnectOptions): Promise<JumpConnection> {
    const target = hops.at(-1);
    if (target === undefined) throw new Error('a jump connection needs at least one hop');
    const upstream = await this.#acquire(hops.slice(0, -1), options);
    try {
      const via = upstream ? await upstream.connection : undefined;
      // a jump is shared: one target's abort signal must not close it for the others
      const { signal: _ownSignal, ...shared } = options;
      const client = await openClient(target, shared, this.knownHosts, via);
      return { client, target, upstream };
    } catch (error) {
      this.#release(upstream);
      throw error;
    }
  }

  #release(jump: PooledJump | null): void {
    if (!jump) return;
    jump.users -= 1;
    if (jump.users > 0) return;
    if (this.#jumps.get(jump.key) === jump) this.#jumps.delete(jump.key);
    this.#end(jump);
  }

  #end(jump: PooledJump): void {
    if (jump.ending) return;
    const ending = jump.connection.then(async ({ client, upstream }) => {
      if (!jump.closed) await endClient(client);
      this.#release(upstream);
    }, () => undefined);
    jump.ending = ending;
    this.#ending.add(ending);
    void ending.finally(() => this.#ending.delete(ending));
  }
}

class Session implements RemoteSession {
  readonly counters: SessionCounters = { execs: 0, uploads: 0 };
  private closed = false;

  constructor(
    readonly target: SshTarget,
    private readonly client: Client,
    /** Lets go of the jump connection this one goes through. */
    private readonly releaseJump: () => void,
    private readonly options: ConnectOptions,
  ) {
    client.once('close', () => this.release());
  }

  private release(): void {
    if (this.closed) return;
    this.closed = true;
    this.releaseJump();
  }

  private failure(error: unknown): SshError {
    if (this.options.signal?.aborted) return interrupted(this.target.name);
    return toSshError(error, this.target.name, this.target.name);
  }

  private ensureOpen(): void {
    if (this.options.signal?.aborted) throw interrupted(this.target.name);
    if (this.closed) {
      throw new SshError('connection-lost', this.target.name, `the connection to ${this.target.name} is closed`);
    }
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    this.ensureOpen();
    this.counters.execs += 1;
    const timeoutMs = options.timeoutMs ?? this.options.commandTimeoutMs;
    try {
      return await runCommand(this.client, command, { ...options, timeoutMs }, this.target.name);
    } catch (error) {
      throw this.failure(error);
    }
  }

  async converse(command: string, options: ConversationOptions = {}): Promise<Conversation> {
    this.ensureOpen();
    this.counters.execs += 1;
    try {
      return await Conversation.open(this.client, command, this.target.name, options);
    } catch (error) {
      throw this.failure(error);
    }
  }

  async openTcp(address: string, port: number): Promise<Duplex> {
    this.ensureOpen();
    try {
      return await openDirectTcp(this.client, address, port);
    } catch (error) {
      throw channelOpenError(error) ?? this.failure(error);
    }
  }

  countUploads(files: number): void {
    this.counters.uploads += files;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await endClient(this.client);
    this.release();
  }
}

/** Opens one connection on its own: its jump connections are its alone, and end with it. */
export function connect(target: SshTarget, options: ConnectOptions = {}): Promise<RemoteSession> {
  return new Connector().connect(target, options);
}

/** A host's connection with its become settings, which commands that need root pass on to `exec`. */
export interface HostSession extends RemoteSession {
  readonly become?: BecomeOptions;
}
