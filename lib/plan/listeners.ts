import type { ListenAddress } from '../units/types.js';
import type { ListeningProcess, Listener } from '../facts/types.js';

/** Only systemd itself (pid 1) holding the socket proves socket activation, not some other server. */
export function isSystemd(process: ListeningProcess): boolean {
  return process.name === 'systemd' && process.pid === 1;
}

/**
 * Whether a listener is the one a `ListenStream=` value produces. A bare port (and `[::]`) is a
 * dual-stack socket: ss prints `*:PORT` (or `[::]:PORT`), netstat `:::PORT`.
 */
export function listenerMatches(address: ListenAddress, listener: Listener): boolean {
  if (listener.port !== address.port) return false;
  if (address.host === null || address.host === '::') return listener.address === '*' || listener.address === '::';
  if (address.family === 'ipv4') return listener.address === address.host;
  return canonicalIPv6(listener.address) === canonicalIPv6(address.host);
}

export function heldBySystemd(address: ListenAddress, listeners: readonly Listener[]): boolean {
  return listeners.some((l) => listenerMatches(address, l) && l.processes.some(isSystemd));
}

export function formatListenAddress(address: ListenAddress): string {
  if (address.host === null) return `*:${address.port}`;
  return address.family === 'ipv6' ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

export function formatListener(listener: Listener): string {
  return listener.address.includes(':') ? `[${listener.address}]:${listener.port}` : `${listener.address}:${listener.port}`;
}

/** `systemd (pid 1) is not listening on *:13063; listening on that port: none; systemd (pid 1) listens on *:13064` */
export function describeMissingListener(address: ListenAddress, listeners: readonly Listener[]): string {
  const samePort = listeners.filter((l) => l.port === address.port).map(describeOwner);
  const bySystemd = listeners.filter((l) => l.processes.some(isSystemd)).map(formatListener);
  return [
    `systemd (pid 1) is not listening on ${formatListenAddress(address)}`,
    `listening on that port: ${samePort.length > 0 ? samePort.join(', ') : 'none'}`,
    `systemd (pid 1) listens on ${bySystemd.length > 0 ? [...new Set(bySystemd)].join(', ') : 'nothing'}`,
  ].join('; ');
}

function describeOwner(listener: Listener): string {
  const owners = listener.processes.map((p) => `${p.name} (pid ${p.pid})`);
  return `${owners.length > 0 ? owners.join(' and ') : 'an unknown process'} on ${formatListener(listener)}`;
}

function canonicalIPv6(address: string): string {
  try {
    return new URL(`http://[${address}]/`).hostname;
  } catch {
    return address;
  }
}
