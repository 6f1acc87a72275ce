import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { packageRoot } from '../../lib/paths.js';
import {
  appendKnownHost,
  checkHostKey,
  fingerprintSha256,
  hostKeyAlgorithmsFor,
  hostKeyFromBlob,
  hostKeyName,
  knownHostsLine,
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
  return hostKeyFromBlob(Buffer.from(publicKey.split(' ')[1], 'base64'));
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
      const check = checkHostKey([join(work, 'missing'), file], fixture.host, keyOf(fixture.key));
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
  assert.equal(checkHostKey([file], '[10.0.0.5]:2222', keyOf(publicKey)).status, 'match');
});

test('appendKnownHost creates the file 0600 and keeps lines whole', () => {
  const file = join(work, 'new', 'known_hosts');
  appendKnownHost(file, 'a ssh-ed25519 AAAA');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  writeFileSync(file, 'a ssh-ed25519 AAAA\nno-final-newline ssh-ed25519 BBBB');
  appendKnownHost(file, 'b ssh-ed25519 CCCC');
  assert.equal(readFileSync(file, 'utf8'), 'a ssh-ed25519 AAAA\nno-final-newline ssh-ed25519 BBBB\nb ssh-ed25519 CCCC\n');
});

test('hostKeyAlgorithmsFor puts the types known for the host first', () => {
  const ecdsa = 'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBBdxRNsBgw5DmOBanjOPB05QsAfb+gJ1V6QcnxpAlog7aILrkB652sjTYpmEmJC0HCWvNrbrBqU0SkMJ1SHEBgs=';
  const file = knownHostsFile('algorithms', [`gw01 ${ecdsa}`, `@revoked gw02 ${ecdsa}`]);
  const algorithms = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'rsa-sha2-512', 'ssh-rsa'];
  assert.deepEqual(hostKeyAlgorithmsFor([file], 'gw01', algorithms), ['ecdsa-sha2-nistp256', 'ssh-ed25519', 'rsa-sha2-512', 'ssh-rsa']);
  assert.deepEqual(hostKeyAlgorithmsFor([file], 'gw02', algorithms), algorithms);
  assert.deepEqual(hostKeyAlgorithmsFor([file], 'unknown-host', algorithms), algorithms);
});

test('a known_hosts file is read again when its text changed, even to the same size', () => {
  const first = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGAtikzOImf2suGBCk7+r9OGYjQtNmhnpGnvCfqaDxjw';
  const second = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHyEtQJWPx3swV6fRRRjlIZvyNJlwMjyiVHPtlkG3Dy0';
  const file = knownHostsFile('rewritten', [`gw01 ${first}`]);
  assert.equal(checkHostKey([file], 'gw01', keyOf(first)).status, 'match');
  knownHostsFile('rewritten', [`gw01 ${second}`]);
  assert.equal(checkHostKey([file], 'gw01', keyOf(first)).status, 'mismatch');
  assert.equal(checkHostKey([file], 'gw01', keyOf(second)).status, 'match');
});
