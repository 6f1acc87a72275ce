/**
 * The line protocol between octoi's remote scripts and their parsers. Sections start with a
 * marker line; every name that came from a path or unit is hex-encoded (UTF-8 bytes) on the
 * host, so no file name can forge or break a marker.
 */
export const MARKER = '::octoi::';

interface MarkerLine {
  kind: string;
  args: string[];
}

export function parseMarker(line: string): MarkerLine | null {
  if (!line.startsWith(`${MARKER} `)) return null;
  const [kind = '', ...args] = line.slice(MARKER.length + 1).split(' ');
  return { kind, args };
}

export function decodeHex(hex: string): string {
  if (!/^(?:[0-9a-f]{2})*$/.test(hex)) throw new Error(`not a hex-encoded name: ${hex}`);
  return Buffer.from(hex, 'hex').toString('utf8');
}

export function splitLines(text: string): string[] {
  return text.split('\n').map((line) => line.replace(/\r$/, ''));
}
