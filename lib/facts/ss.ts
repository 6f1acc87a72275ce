import type { ListeningProcess, Listener } from './types.js';
import { splitAddressPort } from './address.js';
import { splitLines } from './probe-format.js';

// State, Recv-Q, Send-Q, local, peer, then the optional process column (names may hold spaces).
const LINE = /^(\S+)\s+\d+\s+\d+\s+(\S+)\s+\S+\s*(.*)$/;
// ss prints the process name raw between quotes; the lazy match stops at the first `",pid=`.
const PROCESS = /\("(.*?)",pid=(\d+),fd=(\d+)\)/g;

/** Parse `ss -H -tlnp` output: one listening TCP socket a line. */
export function parseSs(text: string): Listener[] {
  const listeners: Listener[] = [];
  for (const line of splitLines(text)) {
    const match = LINE.exec(line.trim());
    if (!match || match[1] !== 'LISTEN') continue;
    const local = splitAddressPort(match[2] ?? '');
    if (!local) continue;
    listeners.push({ ...local, processes: parseUsers(match[3] ?? '') });
  }
  return listeners;
}

function parseUsers(column: string): ListeningProcess[] {
  return [...column.matchAll(PROCESS)].map((m) => ({ name: m[1] ?? '', pid: Number(m[2]), fd: Number(m[3]) }));
}
