import { connect, type ConnectOptions, type RemoteSession } from '../ssh/session.js';
import type { SshTarget } from '../ssh/types.js';

/** One connection per host for the whole run, opened on first use and closed together. */
export class SessionPool {
  readonly #targets: ReadonlyMap<string, SshTarget>;
  readonly #options: ConnectOptions;
  readonly #sessions = new Map<string, Promise<RemoteSession>>();

  constructor(targets: ReadonlyMap<string, SshTarget>, options: ConnectOptions) {
    this.#targets = targets;
    this.#options = options;
  }

  get(host: string): Promise<RemoteSession> {
    let session = this.#sessions.get(host);
    if (!session) {
      const target = this.#targets.get(host);
      if (!target) throw new Error(`no SSH target was resolved for host ${host}`);
      session = connect(target, this.#options);
      this.#sessions.set(host, session);
    }
    return session;
  }

  async closeAll(): Promise<void> {
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(sessions.map(async (pending) => (await pending.catch(() => null))?.close()));
  }
}
