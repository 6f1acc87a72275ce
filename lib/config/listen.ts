import { isIP } from 'node:net';
import type { ListenAddress } from '../units/types.js';

type ListenResult = { address: ListenAddress; problem?: never; hint?: never } | { address?: never; problem: string; hint: string };

const FORMS_HINT = 'write a port (13063), "IPV4:PORT" (127.0.0.1:13063) or "[IPV6]:PORT" ([::1]:13063)';

/** Parses one `listen:` entry into the `ListenStream=` value systemd gets and the address ss will show. */
export function parseListen(value: number | string): ListenResult {
  const text = String(value).trim();
  const bracketed = /^\[([^\]]*)\]:([^:]*)$/.exec(text);
  const hostAndPort = bracketed ?? /^([^:[\]]*):([^:]*)$/.exec(text);
  const portText = hostAndPort ? (hostAndPort[2] ?? '') : text;
  const port = /^[0-9]{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    const unbracketed = text.slice(0, text.lastIndexOf(':'));
    if (isIP(unbracketed) === 6) return { problem: `"${text}" has an IPv6 address without brackets`, hint: `write "[${unbracketed}]${text.slice(unbracketed.length)}"` };
    return {
      problem: /^[0-9]+$/.test(portText) ? `port ${portText} is out of range 1-65535` : `${JSON.stringify(text)} is not a port or an address with a port`,
      hint: FORMS_HINT,
    };
  }
  if (!hostAndPort) return { address: { host: null, family: 'any', port, unitValue: String(port) } };
  const host = hostAndPort[1] ?? '';
  if (host === '*' || host === '') {
    return { problem: `"${text}" names no address`, hint: `write the bare port ${port} to listen on every address` };
  }
  return bracketed ? ipv6Address(host, port) : ipv4Address(host, port);
}

function ipv4Address(host: string, port: number): ListenResult {
  if (!/^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/.test(host) || isIP(host) !== 4) {
    const hint = isIP(host) === 6 ? `put an IPv6 address in brackets: [${host}]:${port}` : 'use a dotted IPv4 address such as 127.0.0.1 (host names are not resolved)';
    return { problem: `"${host}" is not an IPv4 address`, hint };
  }
  return { address: { host, family: 'ipv4', port, unitValue: `${host}:${port}` } };
}

function ipv6Address(host: string, port: number): ListenResult {
  if (isIP(host) !== 6 || host.includes('%')) {
    return { problem: `"[${host}]" is not an IPv6 address`, hint: 'use an IPv6 address without a zone, such as [::1] or [fd00::1]' };
  }
  // The URL parser prints the canonical form, the one ss shows: [0:0::1] becomes [::1].
  const canonical = new URL(`http://[${host}]/`).hostname.slice(1, -1);
  return { address: { host: canonical, family: 'ipv6', port, unitValue: `[${canonical}]:${port}` } };
}

/**
 * Whether two listeners cannot both be bound on one host. A bare port and `[::]` bind every
 * address of both families (systemd's default BindIPv6Only=both); `0.0.0.0` every IPv4 address.
 */
export function listenersCollide(a: ListenAddress, b: ListenAddress): boolean {
  if (a.port !== b.port) return false;
  return a.host === b.host || coversAddress(a, b) || coversAddress(b, a);
}

function coversAddress(wide: ListenAddress, other: ListenAddress): boolean {
  if (wide.family === 'any' || wide.host === '::') return true;
  return wide.host === '0.0.0.0' && other.family === 'ipv4';
}
