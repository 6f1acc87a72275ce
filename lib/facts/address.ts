/**
 * Split a local address as ss and netstat print it (`*:22`, `0.0.0.0:22`, `[::1]:80`,
 * `:::80`, `127.0.0.53%lo:53`) into the address without brackets or interface and the port.
 */
export function splitAddressPort(text: string): { address: string; port: number } | null {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return null;
  const port = Number(text.slice(colon + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) return null;
  let address = text.slice(0, colon);
  const zone = address.indexOf('%');
  if (zone >= 0) address = address.slice(0, zone);
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  return { address, port };
}
