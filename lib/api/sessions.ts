import type { Targets } from '../run/targets.js';
import { SessionPool } from '../run/session-pool.js';
import type { RunEventListener } from '../run/types.js';

/** What every call that reaches hosts takes. */
export interface ReachOptions {
  /** Hosts worked on at once (default 50). */
  forks?: number;
  /** To connect and log in, per hop (default: ssh_config's ConnectTimeout, else 15 s). */
  connectTimeoutMs?: number;
  /** What one remote command may take (default 120 s). */
  commandTimeoutMs?: number;
  /** Aborting starts no new host; hosts in progress finish their step, then the call returns what was done. */
  signal?: AbortSignal;
  /** Connections to use and leave open, e.g. for a second pass; default: opened for this call and closed before it returns. */
  sessions?: SessionPool;
}

export const DEFAULT_FORKS = 50;
const DEFAULT_COMMAND_TIMEOUT_MS = 120_000;

export function commandTimeoutOf(options: ReachOptions): number {
  return options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
}

/** Runs `work` on the caller's sessions, or on its own that are closed however it ends. */
export async function withSessions<T>(targets: Targets, options: ReachOptions, work: (sessions: SessionPool) => Promise<T>): Promise<T> {
  if (options.sessions) return work(options.sessions);
  const sessions = new SessionPool(targets, { commandTimeoutMs: commandTimeoutOf(options), ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }) });
  try {
    return await work(sessions);
  } finally {
    await sessions.closeAll();
  }
}

export const ignoreEvents: RunEventListener = () => {};
