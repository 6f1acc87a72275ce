import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, fstatSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { matchPatternList } from './patterns.js';

/** A public key as the server sends it: `data` is the SSH wire-format blob, which starts with the type. */
export interface HostKey {
  type: string;
  data: Buffer;
}

export interface KnownHostsLineRef {
  file: string;
  /** 1-based */
  line: number;
  keyType: string;
}

export type HostKeyStatus = 'match' | 'mismatch' | 'revoked' | 'unknown';

export interface HostKeyCheck {
  status: HostKeyStatus;
  /** The lines that decided the status: the matching, revoking or conflicting entries. */
  lines: KnownHostsLineRef[];
  /** Key types known for this host other than the offered one (OpenSSH shows these for a new key). */
  otherKeyTypes: string[];
}

type Marker = 'revoked' | 'cert-authority' | null;

interface KnownHostsEntry {
  marker: Marker;
  hosts: string;
  keyType: string;
  keyData: Buffer;
  ref: KnownHostsLineRef;
}

/** ssh2's default host key algorithms, strongest first; `ssh-rsa` keys serve three of them. */
const DEFAULT_HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

function keyTypeOfAlgorithm(algorithm: string): string {
  return algorithm.startsWith('rsa-sha2-') ? 'ssh-rsa' : algorithm;
}

/** Reads the type string at the start of an SSH public key blob. */
export function hostKeyFromBlob(data: Buffer): HostKey {
  if (data.length < 4) throw new Error('host key blob is too short');
  const length = data.readUInt32BE(0);
  if (length > data.length - 4) throw new Error('host key blob has a bad type length');
  return { type: data.subarray(4, 4 + length).toString('latin1'), data };
}

export function fingerprintSha256(key: HostKey): string {
  return `SHA256:${createHash('sha256').update(key.data).digest('base64').replace(/=+$/, '')}`;
}

/** The name OpenSSH looks a host up by: `host` on port 22, `[host]:port` otherwise. */
export function hostKeyName(hostname: string, port: number): string {
  return port === 22 ? hostname : `[${hostname}]:${port}`;
}

export function knownHostsLine(name: string, key: HostKey): string {
  return `${name} ${key.type} ${key.data.toString('base64')}`;
}

function parseLine(text: string, ref: Omit<KnownHostsLineRef, 'keyType'>): KnownHostsEntry | null {
  const fields = text.trim().split(/[ \t]+/);
  if (fields[0] === '' || fields[0].startsWith('#')) return null;
  let marker: Marker = null;
  if (fields[0].startsWith('@')) {
    const name = fields.shift()!.slice(1);
    if (name !== 'revoked' && name !== 'cert-authority') return null;
    marker = name;
  }
  const [hosts, keyType, base64] = fields;
  if (!hosts || !keyType || !base64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return null;
  const keyData = Buffer.from(base64, 'base64');
  try {
    if (hostKeyFromBlob(keyData).type !== keyType) return null;
  } catch {
    return null;
  }
  return { marker, hosts, keyType, keyData, ref: { ...ref, keyType } };
}

/**
 * Parsed files, reused while a file's text is unchanged: a fleet run checks every host against the
 * same known_hosts, and parsing it once per host would make the run quadratic in the fleet's size.
 */
const parsedFiles = new Map<string, { text: string; entries: KnownHostsEntry[] }>();

function fileEntries(file: string): KnownHostsEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return []; // a missing known_hosts file holds no keys, as for OpenSSH
  }
  const parsed = parsedFiles.get(file);
  if (parsed?.text === text) return parsed.entries;
  const entries: KnownHostsEntry[] = [];
  text.split('\n').forEach((line, index) => {
    const entry = parseLine(line, { file, line: index + 1 });
    if (entry) entries.push(entry);
  });
  parsedFiles.set(file, { text, entries });
  return entries;
}

function hashedNameMatches(hashed: string, name: string): boolean {
  const parts = hashed.split('|');
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2], 'base64');
  const expected = Buffer.from(parts[3], 'base64');
  const actual = createHmac('sha1', salt).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function entryMatchesHost(entry: KnownHostsEntry, name: string): boolean {
  if (entry.hosts.startsWith('|')) return hashedNameMatches(entry.hosts, name);
  return matchPatternList(name.toLowerCase(), entry.hosts.toLowerCase().split(','));
}

function entriesForHost(files: readonly string[], name: string): KnownHostsEntry[] {
  return files.flatMap(fileEntries).filter((entry) => entry.marker !== 'cert-authority' && entryMatchesHost(entry, name));
}

/** The plain (not revoked, not CA) keys known_hosts holds under this name. */
export function knownKeys(files: readonly string[], name: string): KnownHostsLineRef[] {
  return entriesForHost(files, name).filter((entry) => entry.marker === null).map((entry) => entry.ref);
}

/**
 * Decides a host key the way OpenSSH's known_hosts check does: a revoked key wins over
 * everything, then an exact match; another key of the same type means the key changed;
 * nothing of this type means the key is unknown.
 */
export function checkHostKey(files: readonly string[], name: string, key: HostKey): HostKeyCheck {
  const entries = entriesForHost(files, name);
  const sameKey = entries.filter((entry) => entry.keyData.equals(key.data));
  const revoked = sameKey.filter((entry) => entry.marker === 'revoked');
  const plain = entries.filter((entry) => entry.marker === null);
  const otherKeyTypes = [...new Set(plain.map((entry) => entry.keyType).filter((type) => type !== key.type))];
  const result = (status: HostKeyStatus, lines: KnownHostsEntry[]): HostKeyCheck => ({
    status,
    lines: lines.map((entry) => entry.ref),
    otherKeyTypes,
  });
  if (revoked.length > 0) return result('revoked', revoked);
  const matching = sameKey.filter((entry) => entry.marker === null);
  if (matching.length > 0) return result('match', matching);
  const conflicting = plain.filter((entry) => entry.keyType === key.type);
  if (conflicting.length > 0) return result('mismatch', conflicting);
  return result('unknown', []);
}

/**
 * Orders host key algorithms so the types known_hosts holds for this host come first, as OpenSSH
 * does: a host known by its ed25519 key is not asked for RSA first and then reported as changed.
 */
export function hostKeyAlgorithmsFor(
  files: readonly string[],
  name: string,
  algorithms: readonly string[] = DEFAULT_HOST_KEY_ALGORITHMS,
): string[] {
  const knownTypes = new Set(
    entriesForHost(files, name)
      .filter((entry) => entry.marker === null)
      .map((entry) => entry.keyType),
  );
  const known = algorithms.filter((algorithm) => knownTypes.has(keyTypeOfAlgorithm(algorithm)));
  return [...known, ...algorithms.filter((algorithm) => !known.includes(algorithm))];
}

/** Appends one line with a single O_APPEND write; creates the file (0600) and its folder (0700). */
export function appendKnownHost(file: string, line: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const fd = openSync(file, 'a+', 0o600);
  try {
    const size = fstatSync(fd).size;
    let separator = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) separator = '\n';
    }
    writeSync(fd, `${separator}${line}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
