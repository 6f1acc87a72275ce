import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { packageRoot } from '../../lib/paths.js';
import {
  checkHostKey,
  fingerprintSha256,
  hostKeyAlgorithmsFor,
  hostKeyFromBlob,
  hostKeyName,
  knownHostsLine,
  KnownHostsCache,
  type HostKey,
} from '../../lib/ssh/known-hosts.js';

interface KnownHostsCase {
  knownHosts: string[];
  host: string;
  key: string;
  status: string;
  lines: number[];
  otherKeyTypes: string[];
}

const fixtures = join(packageRoot(), 'test', 'fixtures', 'ssh');
const work = mkdtempSync(join(tmpdir(), 'octoi-known-hosts-'));
after(() => rmSync(work, { recursive: true, force: true }));

function keyOf(publicKey: string): HostKey {
  const [, base64] = publicKey.split(' ');
  assert.ok(base64 !== undefined, `not a public key line: ${publicKey}`);
  return hostKeyFromBlob(Buffer.from(base64, 'base64'));
}

function knownHostsFile(name: string, lines: string[]): string {
  const file = join(work, name);
  writeFileSync(file, lines.map((line) => `${line}\n`).join(''));
  return file;
}

describe('checkHostKey (one fixture per case)', () => {
  const folder = join(fixtures, 'known-hosts');
  for (const name of readdirSync(folder).filter((file) => file.endsWith('.json')).sort()) {
    test(name, () => {
      const fixture = JSON.parse(readFileSync(join(folder, name), 'utf8')) as KnownHostsCase;
      const file = knownHostsFile(name, fixture.knownHosts);
      const check = checkHostKey(new KnownHostsCache(), [join(work, 'missing'), file], fixture.host, keyOf(fixture.key));
      assert.equal(check.status, fixture.status);
      assert.deepEqual(check.lines.map((ref) => [ref.file, ref.line]), fixture.lines.map((line) => [file, line]));
      assert.deepEqual(check.otherKeyTypes, fixture.otherKeyTypes);
    });
  }
});

test('fingerprints agree with ssh-keygen -lf', () => {
  const expected = JSON.parse(readFileSync(join(fixtures, 'fingerprints.json'), 'utf8')) as Record<string, string>;
  for (const [publicKey, fingerprint] of Object.entries(expected).filter(([key]) => key !== '//')) {
    assert.equal(fingerprintSha256(keyOf(publicKey)), fingerprint);
  }
});

test('hostKeyName and knownHostsLine write what OpenSSH reads', () => {
  assert.equal(hostKeyName('gw01', 22), 'gw01');
  assert.equal(hostKeyName('10.0.0.5', 2222), '[10.0.0.5]:2222');
  const publicKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGAtikzOImf2suGBCk7+r9OGYjQtNmhnpGnvCfqaDxjw';
  const line = knownHostsLine('[10.0.0.5]:2222', keyOf(publicKey));
  assert.equal(line, `[10.0.0.5]:2222 ${publicKey}`);
  const file = knownHostsFile('written', [line]);
  assert.equal(checkHostKey(new KnownHostsCache(), [file], '[10.0.0.5]:2222', keyOf(publicKey)).status, 'match');
});

test('append creates the file 0600 and keeps lines whole', () => {
  const file = join(work, 'new', 'known_hosts');
  const cache = new KnownHostsCache();
  cache.append(file, 'a ssh-ed25519 AAAA');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  writeFileSync(file, 'a ssh-ed25519 AAAA\nno-final-newline ssh-ed25519 BBBB');
  cache.append(file, 'b ssh-ed25519 CCCC');
  assert.equal(readFileSync(file, 'utf8'), 'a ssh-ed25519 AAAA\nno-final-newline ssh-ed25519 BBBB\nb ssh-ed25519 CCCC\n');
});

test('hostKeyAlgorithmsFor puts the types known for the host first', () => {
  const ecdsa = 'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBBdxRNsBgw5DmOBanjOPB05QsAfb+gJ1V6QcnxpAlog7aILrkB652sjTYpmEmJC0HCWvNrbrBqU0SkMJ1SHEBgs=';
  const file = knownHostsFile('algorithms', [`gw01 ${ecdsa}`, `@revoked gw02 ${ecdsa}`]);
  const algorithms = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'rsa-sha2-512', 'ssh-rsa'];
  const cache = new KnownHostsCache();
  assert.deepEqual(hostKeyAlgorithmsFor(cache, [file], 'gw01', algorithms), ['ecdsa-sha2-nistp256', 'ssh-ed25519', 'rsa-sha2-512', 'ssh-rsa']);
  assert.deepEqual(hostKeyAlgorithmsFor(cache, [file], 'gw02', algorithms), algorithms);
  assert.deepEqual(hostKeyAlgorithmsFor(cache, [file], 'unknown-host', algorithms), algorithms);
});

describe('KnownHostsCache', () => {
  const first = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGAtikzOImf2suGBCk7+r9OGYjQtNmhnpGnvCfqaDxjw';
  const second = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHyEtQJWPx3swV6fRRRjlIZvyNJlwMjyiVHPtlkG3Dy0';

  test('a run parses each file once, however many hosts it checks', () => {
    const file = knownHostsFile('fleet', Array.from({ length: 1000 }, (_, index) => `gw${index} ${first}`));
    const global = knownHostsFile('fleet-global', [`bastion ${second}`]);
    const cache = new KnownHostsCache();
    for (let index = 0; index < 1000; index++) {
      assert.equal(checkHostKey(cache, [file, global], `gw${index}`, keyOf(first)).status, 'match');
      assert.equal(checkHostKey(cache, [file, global], 'bastion', keyOf(second)).status, 'match');
    }
    assert.equal(cache.parses, 2);
  });

  test('a key the run records is found by the next host under that name, without reading the file again', () => {
    const file = knownHostsFile('recorded', [`gw01 ${first}`]);
    appendFileSync(file, `# no final newline gw02 ${second}`);
    const cache = new KnownHostsCache();
    assert.equal(checkHostKey(cache, [file], 'gw02', keyOf(second)).status, 'unknown');
    cache.append(file, knownHostsLine('gw02', keyOf(second)));
    const check = checkHostKey(cache, [file], 'gw02', keyOf(second));
    assert.deepEqual([check.status, check.lines.map((ref) => ref.line)], ['match', [3]]);
    assert.equal(cache.parses, 1);
    // what the file says agrees with the parsed copy
    assert.deepEqual(checkHostKey(new KnownHostsCache(), [file], 'gw02', keyOf(second)).lines, check.lines);
  });

  test('a file someone else changed is read again: appended to, or replaced by one of the same size', () => {
    const file = knownHostsFile('rewritten', [`gw01 ${first}`]);
    const cache = new KnownHostsCache();
    assert.equal(checkHostKey(cache, [file], 'gw01', keyOf(first)).status, 'match');
    appendFileSync(file, `gw02 ${second}\n`);
    assert.equal(checkHostKey(cache, [file], 'gw02', keyOf(second)).status, 'match');
    // as ssh-keygen -R writes it: a new file renamed over the old one
    const replacement = knownHostsFile('rewritten.new', [`gw01 ${second}`, `gw02 ${first}`]);
    renameSync(replacement, file);
    assert.equal(checkHostKey(cache, [file], 'gw01', keyOf(first)).status, 'mismatch');
    assert.equal(checkHostKey(cache, [file], 'gw01', keyOf(second)).status, 'match');
    assert.equal(cache.parses, 3);
  });
});
