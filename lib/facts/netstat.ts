import type { Listener } from './types.js';
import { splitAddressPort } from './address.js';
import { splitLines } from './probe-format.js';

// Proto, Recv-Q, Send-Q, local, foreign, state, then `PID/name` or `-` (names may hold spaces).
const LINE = /^tcp6?\s+\d+\s+\d+\s+(\S+)\s+\S+\s+LISTEN\s+(?:(\d+)\/(.*\S)|-)\s*$/;

/** Parse `netstat -tlnp` output; header lines and other states are skipped. */
export function parseNetstat(text: string): Listener[] {
  const listeners: Listener[] = [];
  for (const line of splitLines(text)) {
    const match = LINE.exec(line);
    if (!match) continue;
    const local = splitAddressPort(match[1] ?? '');
    if (!local) continue;
    const [, , pid, name] = match;
    listeners.push({ ...local, processes: pid && name ? [{ name, pid: Number(pid), fd: null }] : [] });
  }
  return listeners;
}
