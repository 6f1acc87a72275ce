/**
 * Host identifiers with an optional port, as Ansible's `parse_address` reads them: inventory host
 * entries (`gw01:2222`, `[2001:db8::1]:22`, `gw[01:20]`) and single host patterns.
 */

const numericRange = String.raw`\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const hexadecimalRange = String.raw`\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]`;
const alphanumericRange = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;

const ipv6Part = `(?:[0-9a-f]{1,4}|${hexadecimalRange})`;
const ipv4Part = `(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${numericRange})`;
// Python's `\w` is Unicode-aware; so is this one.
const word = String.raw`[\p{L}\p{N}_]`;
const label = `(?:${word}|${alphanumericRange})(?:${word}|[_-]|${alphanumericRange})*(?<![_-])`;

const ipv4Address = `(?:${ipv4Part}\\.){3}${ipv4Part}`;
const ipv6Address = [
  `(?:${ipv6Part}:){7}${ipv6Part}`,
  `(?:${ipv6Part}:){1,6}:`,
  `(?:${ipv6Part}:)(?::${ipv6Part}){1,6}`,
  `(?:${ipv6Part}:){2}(?::${ipv6Part}){1,5}`,
  `(?:${ipv6Part}:){3}(?::${ipv6Part}){1,4}`,
  `(?:${ipv6Part}:){4}(?::${ipv6Part}){1,3}`,
  `(?:${ipv6Part}:){5}(?::${ipv6Part}){1,2}`,
  `(?:${ipv6Part}:){6}(?::${ipv6Part})`,
  `:(?::${ipv6Part}){1,6}`,
  `${ipv6Part}?::`,
  `(?:0:){6}(?:${ipv6Part}\\.){3}${ipv6Part}`,
  `::(?:ffff:)?(?:${ipv6Part}\\.){3}${ipv6Part}`,
  `(?:0:){5}ffff:(?:${ipv6Part}\\.){3}${ipv6Part}`,
].join('|');

const bracketedHostPort = /^\[(.+)\]:([0-9]+)$/;
const hostPort = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/;
const ipv4 = new RegExp(`^${ipv4Address}$`, 'i');
// Python's `$` also matches before a final newline; inventory names never end in one.
const ipv6 = new RegExp(`^(?:${ipv6Address})$`, 'i');
const hostname = new RegExp(`^${label}(?:\\.${label})*$`, 'iu');

interface HostAddress {
  host: string;
  port: number | null;
}

/** `null` when `address` is not a hostname, IPv4 or IPv6 address (possibly with ranges) and optional port. */
export function parseAddress(address: string): HostAddress | null {
  let rest = address;
  let port: number | null = null;
  // Both forms are tried in turn on what is left, exactly as Ansible does.
  for (const form of [bracketedHostPort, hostPort]) {
    const match = form.exec(rest);
    if (match) {
      rest = match[1] as string;
      port = Number(match[2]);
    }
  }
  const isHost = ipv4.test(rest) || ipv6.test(rest) || hostname.test(rest);
  return isHost ? { host: rest, port } : null;
}

/** Matches Ansible's test for an IP address (used for `inventory_hostname_short`). */
export function isIpAddress(name: string): boolean {
  return ipv4.test(name) || ipv6.test(name);
}
