import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, fstatSync, writeSync, type BigIntStats } from 'node:fs';
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

type HostKeyStatus = 'match' | 'mismatch' | 'revoked' | 'unknown';

interface HostKeyCheck {
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
  const line = text.trim();
  if (line === '' || line.startsWith('#')) return null;
  const fields = line.split(/[ \t]+/);
  let marker: Marker = null;
  if (line.startsWith('@')) {
    const name = fields.shift()?.slice(1);
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

interface ParsedFile {
  /** The file as it was when parsed: when any of these changed, it is read again. */
  version: string;
  entries: KnownHostsEntry[];
  /** Counting a last line without a newline: an appended line gets the next number. */
  lineCount: number;
}

function versionOf(stats: BigIntStats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
}

/**
 * known_hosts files as parsed, for one run: a fleet run checks every host and jump hop against the
 * same files, and reading them again for each would make the run quadratic in the fleet's size. A
 * file someone else changed (its size, times or inode) is read again; a key the run records is added
 * to the parsed copy, so the next host known under the same name finds it.
 */
export class KnownHostsCache {
  readonly #files = new Map<string, ParsedFile>();
  /** How many times a file was read and parsed. */
  parses = 0;

  entries(file: string): KnownHostsEntry[] {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch {
      return []; // a missing known_hosts file holds no keys, as for OpenSSH
    }
    try {
      const version = versionOf(fstatSync(fd, { bigint: true }));
      const cached = this.#files.get(file);
      if (cached?.version === version) return cached.entries;
      let text: string;
      try {
        text = readFileSync(fd, 'utf8');
      } catch {
        return []; // a folder holds no keys either
      }
      this.parses += 1;
      const lines = text.split('\n');
      const entries: KnownHostsEntry[] = [];
      lines.forEach((line, index) => {
        const entry = parseLine(line, { file, line: index + 1 });
        if (entry) entries.push(entry);
      });
      const lineCount = text === '' || text.endsWith('\n') ? lines.length - 1 : lines.length;
      this.#files.set(file, { version, entries, lineCount });
      return entries;
    } finally {
      closeSync(fd);
    }
  }

  /** Appends one line with a single O_APPEND write; creates the file (0600) and its folder (0700). */
  append(file: string, line: string): void {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const fd = openSync(file, 'a+', 0o600);
    try {
      const before = fstatSync(fd, { bigint: true });
      let separator = '';
      if (before.size > 0n) {
        const last = Buffer.alloc(1);
        readSync(fd, last, 0, 1, Number(before.size) - 1);
        if (last[0] !== 0x0a) separator = '\n';
      }
      writeSync(fd, `${separator}${line}\n`);
      fsyncSync(fd);
      const cached = this.#files.get(file);
      if (!cached || cached.version !== versionOf(before)) return;
      const entry = parseLine(line, { file, line: cached.lineCount + 1 });
      if (entry) cached.entries.push(entry);
      cached.lineCount += 1;
      cached.version = versionOf(fstatSync(fd, { bigint: true }));
    } finally {
      closeSync(fd);
    }
  }
}

function hashedNameMatches(hashed: string, name: string): boolean {
  const [, version, salt, hash, ...extra] = hashed.split('|');
  if (version !== '1' || salt === undefined || hash === undefined || extra.length > 0) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function entryMatchesHost(entry: KnownHostsEntry, name: string): boolean {
  if (entry.hosts.startsWith('|')) return hashedNameMatches(entry.hosts, name);
  return matchPatternList(name.toLowerCase(), entry.hosts.toLowerCase().split(','));
}

function entriesForHost(cache: KnownHostsCache, files: readonly string[], name: string): KnownHostsEntry[] {
  return files.flatMap((file) => cache.entries(file)).filter((entry) => entry.marker !== 'cert-authority' && entryMatchesHost(entry, name));
}

/** The plain (not revoked, not CA) keys known_hosts holds under this name. */
export function knownKeys(cache: KnownHostsCache, files: readonly string[], name: string): KnownHostsLineRef[] {
  return entriesForHost(cache, files, name).filter((entry) => entry.marker === null).map((entry) => entry.ref);
}

/**
 * Decides a host key the way OpenSSH's known_hosts check does: a revoked key wins over
 * everything, then an exact match; another key of the same type means the key changed;
 * nothing of this type means the key is unknown.
 */
export function checkHostKey(cache: KnownHostsCache, files: readonly string[], name: string, key: HostKey): HostKeyCheck {
  const entries = entriesForHost(cache, files, name);
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
  cache: KnownHostsCache,
  files: readonly string[],
  name: string,
  algorithms: readonly string[] = DEFAULT_HOST_KEY_ALGORITHMS,
): string[] {
  const knownTypes = new Set(
    entriesForHost(cache, files, name)
      .filter((entry) => entry.marker === null)
      .map((entry) => entry.keyType),
  );
  const known = algorithms.filter((algorithm) => knownTypes.has(keyTypeOfAlgorithm(algorithm)));
  return [...known, ...algorithms.filter((algorithm) => !known.includes(algorithm))];
}
