import type { BecomeOptions } from '../ssh/become.js';
import { Connector, type ConnectOptions, type HostSession, type RemoteSession } from '../ssh/session.js';
import type { ConnectionRefusal, SshTarget } from '../ssh/types.js';

/** How to reach a host, and whether commands run there as the login user or through sudo. */
export interface SshHostTarget {
  ssh: SshTarget;
  become?: BecomeOptions;
}

/** A host octoi will not reach, and why: it fails with reason `refused` while the others go on. */
export interface RefusedHostTarget {
  refusal: ConnectionRefusal;
}

export type HostTarget = SshHostTarget | RefusedHostTarget;

/** What getting a refused host's session throws. */
export class HostRefusedError extends Error {
  constructor(
    readonly host: string,
    readonly refusal: ConnectionRefusal,
  ) {
    super(refusal.message);
    this.name = 'HostRefusedError';
  }
}

/**
 * One connection per host for the whole run, opened on first use and closed together. Its hosts
 * share jump host connections and known_hosts as parsed, with each other and with no other pool.
 */
export class SessionPool {
  readonly #targets: ReadonlyMap<string, HostTarget>;
  readonly #options: ConnectOptions;
  readonly #sessions = new Map<string, Promise<HostSession>>();
  readonly #connector = new Connector();

  constructor(targets: ReadonlyMap<string, HostTarget>, options: ConnectOptions) {
    this.#targets = targets;
    this.#options = options;
  }

  get(host: string): Promise<HostSession> {
    let session = this.#sessions.get(host);
    if (!session) {
      const target = this.#targets.get(host);
      if (!target) throw new Error(`no SSH target was resolved for host ${host}`);
      if ('refusal' in target) return Promise.reject(new HostRefusedError(host, target.refusal));
      session = this.#connector.connect(target.ssh, this.#options).then((opened) => withBecome(opened, target.become));
      this.#sessions.set(host, session);
    }
    return session;
  }

  async closeAll(): Promise<void> {
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(sessions.map(async (pending) => (await pending.catch(() => null))?.close()));
    await this.#connector.close();
  }
}

function withBecome(session: RemoteSession, become: BecomeOptions | undefined): HostSession {
  return {
    target: session.target,
    get counters() {
      return session.counters;
    },
    exec: (command, options) => session.exec(command, options),
    converse: (command, options) => session.converse(command, options),
    countUploads: (files) => session.countUploads(files),
    openTcp: (address, port) => session.openTcp(address, port),
    close: () => session.close(),
    ...(become === undefined ? {} : { become }),
  };
}
