/**
 * The host name ssh connects to after CanonicalizeHostname (ssh.c's resolve_canonicalize and the
 * CNAME step after it), decided without the network: where ssh would ask DNS, the answer says
 * which name it would look up, and the caller refuses instead of guessing.
 */
import { isIPv6 } from 'node:net';

export interface CanonicalizeSettings {
  mode: 'no' | 'yes' | 'always';
  domains: readonly string[];
  maxDots: number;
  fallbackLocal: boolean;
  /** CanonicalizePermittedCNAMEs is set (and not `none`). */
  permittedCnames: boolean;
  /** No ProxyCommand and no ProxyJump (not even `ProxyJump none`), as ssh.c computes it. */
  direct: boolean;
}

type Canonicalization =
  | { kind: 'name'; host: string }
  /** ssh would resolve this name through DNS here, because of this keyword. */
  | { kind: 'lookup'; name: string; because: 'canonicalizehostname' | 'canonicaldomains' | 'canonicalizepermittedcnames' }
  /** ssh stops: `Could not resolve host` (CanonicalizeFallbackLocal no, nothing found). */
  | { kind: 'not-found'; host: string };

export function canonicalizeHost(written: string, settings: CanonicalizeSettings): Canonicalization {
  const address = canonicalAddress(written);
  // addresses are not lowercased: they are rewritten in their numeric form instead
  const host = address === null && !looksLikeAddress(written) ? written.toLowerCase() : written;
  if (address !== null) return { kind: 'name', host: address };
  const proxiedOnly = !settings.direct && settings.mode !== 'always';
  if (settings.mode !== 'no' && !looksLikeAddress(host) && !proxiedOnly) {
    if (host.endsWith('.')) return { kind: 'lookup', name: host, because: 'canonicalizehostname' };
    const dots = host.split('.').length - 1;
    if (dots <= settings.maxDots) {
      const domain = settings.domains[0];
      if (domain !== undefined && domain.toLowerCase() !== 'none') return { kind: 'lookup', name: `${host}.${domain}.`, because: 'canonicaldomains' };
      if (!settings.fallbackLocal) return { kind: 'not-found', host };
    }
  }
  if (settings.permittedCnames && !proxiedOnly) return { kind: 'lookup', name: host, because: 'canonicalizepermittedcnames' };
  return { kind: 'name', host };
}

/** is_addr_fast: a name that can only be an address (a scope, a colon, or digits and dots). */
function looksLikeAddress(name: string): boolean {
  return name.includes('%') || name.includes(':') || /^[0-9.]*$/.test(name);
}

/**
 * The numeric form getaddrinfo(AI_NUMERICHOST) + getnameinfo(NI_NUMERICHOST) give a literal
 * address (`010.1` → `8.0.0.1`, `FD00::0001` → `fd00::1`), or null when it is not one.
 */
function canonicalAddress(name: string): string | null {
  return canonicalIPv4(name) ?? canonicalIPv6(name);
}

/** inet_aton's forms: one to four parts, each decimal, 0x hex or 0 octal; the last fills the rest. */
function canonicalIPv4(name: string): string | null {
  const parts = name.split('.');
  if (parts.length > 4) return null;
  const numbers: number[] = [];
  for (const part of parts) {
    const match = /^(?:0[xX]([0-9a-fA-F]*)|(0[0-7]*)|([1-9][0-9]*))$/.exec(part);
    if (!match) return null;
    numbers.push(match[1] !== undefined ? parseInt(match[1] || '0', 16) : match[2] !== undefined ? parseInt(match[2], 8) : Number(match[3]));
  }
  const last = numbers.pop()!;
  if (numbers.some((value) => value > 255) || last >= 2 ** (8 * (4 - numbers.length))) return null;
  const value = numbers.reduce((sum, byte, index) => sum + byte * 2 ** (8 * (3 - index)), 0) + last;
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** inet_ntop's IPv6 text: lowercase, the longest run of two or more zero groups as `::`, IPv4 tails kept. */
function canonicalIPv6(name: string): string | null {
  if (name.includes('%') || !isIPv6(name)) return null;
  const words = ipv6Words(new URL(`http://[${name}]`).hostname.slice(1, -1));
  let best = { start: -1, length: 0 };
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && words[start + length] === 0) length++;
    if (length > best.length) best = { start, length };
    start += length;
  }
  if (best.length < 2) best = { start: -1, length: 0 };
  const ipv4Tail = best.start === 0 && (best.length === 6 || (best.length === 5 && words[5] === 0xffff));
  const groups = words.map((word) => word.toString(16));
  if (ipv4Tail) groups.splice(6, 2, dottedQuad(words.slice(6)));
  if (best.start < 0) return groups.join(':');
  const head = groups.slice(0, best.start).join(':');
  const tail = groups.slice(best.start + best.length).join(':');
  return `${head}::${tail}`;
}

/** The last two groups of an address as IPv4, as in `::ffff:192.0.2.1`. */
function dottedQuad([high, low]: number[]): string {
  if (high === undefined || low === undefined) throw new Error('an IPv6 address has eight groups');
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** The eight 16-bit groups of an address in WHATWG's serialization (hex groups, at most one `::`). */
function ipv6Words(serialized: string): number[] {
  const [head, tail] = serialized.split('::');
  const parse = (text: string | undefined) => (text ? text.split(':').map((group) => parseInt(group, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  return tail === undefined ? left : [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}
