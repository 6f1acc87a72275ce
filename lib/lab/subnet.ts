import { createHash } from 'node:crypto';
import { resolve } from 'node:path';

/** An IPv4 /24 as its first three octets, e.g. `10.87.3`. */
export type Subnet24 = string;

interface Prefix {
  network: number;
  length: number;
}

function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

/** Parses `10.1.2.0/24` or a bare address (a /32). */
export function parsePrefix(text: string): Prefix | undefined {
  const [address = '', lengthText = '32'] = text.split('/');
  const network = parseIpv4(address);
  const length = Number(lengthText);
  if (network === undefined || !Number.isInteger(length) || length < 0 || length > 32) return undefined;
  return { network, length };
}

export function prefixesOverlap(a: Prefix, b: Prefix): boolean {
  const length = Math.min(a.length, b.length);
  const mask = length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
  return ((a.network & mask) >>> 0) === ((b.network & mask) >>> 0);
}

/** Destinations of `ip -4 -o route show table all` lines (the default route covers nothing here). */
export function routedPrefixes(routeOutput: string): Prefix[] {
  const prefixes: Prefix[] = [];
  for (const line of routeOutput.split('\n')) {
    const words = line.trim().split(/\s+/);
    const typed = ['local', 'broadcast', 'unicast', 'anycast', 'multicast', 'unreachable', 'prohibit', 'blackhole', 'throw'];
    const destination = typed.includes(words[0] ?? '') ? words[1] : words[0];
    if (!destination || destination === 'default') continue;
    const prefix = parsePrefix(destination);
    if (prefix) prefixes.push(prefix);
  }
  return prefixes;
}

/**
 * Candidate /24s in 10.0.0.0/8 for a lab folder, the first derived from its path, the rest
 * following it, so a folder usually gets the same subnet and two folders rarely meet.
 */
export function subnetCandidates(dir: string, count: number): Subnet24[] {
  const seed = createHash('sha256').update(`subnet:${resolve(dir)}`).digest().readUInt16BE(0);
  const candidates: Subnet24[] = [];
  for (let i = 0; i < count; i += 1) {
    // 10.64.0.0 .. 10.127.255.0: away from the 10.0.x and 10.1.x ranges home routers and VPNs like.
    const n = (seed + i * 257) % (64 * 256);
    candidates.push(`10.${64 + Math.floor(n / 256)}.${n % 256}`);
  }
  return candidates;
}

export function chooseSubnet(dir: string, inUse: readonly Prefix[]): Subnet24 | undefined {
  return subnetCandidates(dir, 256).find((subnet) => {
    const candidate = parsePrefix(`${subnet}.0/24`);
    return candidate !== undefined && !inUse.some((used) => prefixesOverlap(used, candidate));
  });
}

export function bridgeAddress(subnet: Subnet24): string {
  return `${subnet}.1`;
}

/** gw01 is .2: .1 is the bridge in the machine's namespace. */
export function hostAddress(subnet: Subnet24, index: number): string {
  return `${subnet}.${index + 1}`;
}

/** The bastion takes .254 on both networks. */
export function bastionAddress(subnet: Subnet24): string {
  return `${subnet}.254`;
}

/** Host indices of both networks share .2 to .253. */
export const maxHosts = 252;
