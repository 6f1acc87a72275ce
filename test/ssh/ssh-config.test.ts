import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { OctoiError } from '../../lib/diagnostics.js';
import { resolveSshTarget, SshConfigCache, type ResolveOptions } from '../../lib/ssh/ssh-config.js';
import type { InventoryConnection } from '../../lib/ssh/types.js';

const home = mkdtempSync(join(tmpdir(), 'octoi-ssh-home-'));
after(() => rmSync(home, { recursive: true, force: true }));

function config(name: string, text: string): string {
  const file = join(home, name);
  writeFileSync(file, text);
  return file;
}

function host(name: string, extra: Partial<InventoryConnection> = {}): InventoryConnection {
  return { name, options: [], ...extra };
}

const options = (configFile: string | null): ResolveOptions => ({ configFile, homeDir: home, localUser: 'local' });

async function diagnosticsOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof OctoiError);
    assert.equal(error.kind, 'invalid-input');
    return error.message;
  }
  assert.fail('expected diagnostics');
}

test('defaults: fail-closed host keys, the account user, port 22, OpenSSH default files', async () => {
  const target = await resolveSshTarget(host('gw01'), options(null));
  assert.deepEqual(
    [target.hostname, target.port, target.user, target.strictHostKeyChecking, target.proxyJump],
    ['gw01', 22, 'local', 'yes', []],
  );
  assert.deepEqual(target.knownHostsFiles, [join(home, '.ssh/known_hosts'), join(home, '.ssh/known_hosts2')]);
  assert.ok(target.identityFiles.includes(join(home, '.ssh/id_ed25519')));
});

test('~/.ssh/config is read by default, and relative Include paths are under ~/.ssh', async () => {
  mkdirSync(join(home, '.ssh', 'conf.d'), { recursive: true });
  writeFileSync(join(home, '.ssh', 'config'), 'Include conf.d/*.conf\n');
  writeFileSync(join(home, '.ssh', 'conf.d', 'gw.conf'), 'Host gw01\n  User from-include\n');
  const target = await resolveSshTarget(host('gw01'), { homeDir: home, localUser: 'local', systemConfigFile: join(home, 'none') });
  assert.equal(target.user, 'from-include');
  rmSync(join(home, '.ssh', 'config'));
});

test('ansible_host is the host ssh matches; inventory variables win over the file', async () => {
  const file = config('precedence.config', 'Host 10.0.0.9\n  User file-user\n  Port 2200\n  IdentityFile /keys/file\n');
  const target = await resolveSshTarget(host('gw09', { host: '10.0.0.9', port: 2022, identityFile: '/keys/inventory' }), options(file));
  assert.deepEqual([target.name, target.hostname, target.port, target.user], ['gw09', '10.0.0.9', 2022, 'file-user']);
  assert.deepEqual(target.identityFiles, ['/keys/inventory', '/keys/file']);
});

test('jump hosts are resolved with their own config; the first hop brings its own ProxyJump', async () => {
  const file = config('jumps.config', [
    'Host inner', '  ProxyJump bastion,ops@mid:2200',
    'Host bastion', '  HostName bastion.example', '  User jumper', '  ProxyJump outer',
    'Host mid', '  ProxyJump ignored-for-later-hops', '  IdentityFile /keys/mid',
    '',
  ].join('\n'));
  const target = await resolveSshTarget(host('inner'), options(file));
  assert.deepEqual(
    target.proxyJump.map((hop) => [hop.name, hop.hostname, hop.user, hop.port, hop.proxyJump.length]),
    [['outer', 'outer', 'local', 22, 0], ['bastion', 'bastion.example', 'jumper', 22, 0], ['ops@mid:2200', 'mid', 'ops', 2200, 0]],
  );
  assert.deepEqual(target.proxyJump[2]?.identityFiles, ['/keys/mid']);
});

test('a ProxyJump loop is reported instead of followed', async () => {
  const file = config('loop.config', 'Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n');
  assert.match(await diagnosticsOf(resolveSshTarget(host('a'), options(file))), /ProxyJump chains too deeply/);
});

test('unsupported or invalid settings are diagnostics at FILE:LINE:COL naming the host', async () => {
  const file = config('bad.config', [
    'Match exec "test -f /x"', '  User x',
    'Host gw01', '  Port 70000', '  ProxyCommand nc %h %p', '  StrictHostKeyChecking maybe', '  IdentityFile /keys/%Z',
    '',
  ].join('\n'));
  const message = await diagnosticsOf(resolveSshTarget(host('gw01'), options(file)));
  for (const expected of [
    `${file}:1:1: error: Match exec "test -f /x" would run a local command`,
    `${file}:4:3: error: Bad port '70000'`,
    `${file}:5:3: error: ProxyCommand is not supported`,
    `${file}:6:3: error: stricthostkeychecking: unsupported option "maybe"`,
    `${file}:7:3: error: unknown key %Z in "/keys/%Z"`,
  ]) {
    assert.ok(message.includes(expected), `${expected}\nnot in\n${message}`);
  }
});

test('a missing -F file is an error', async () => {
  assert.match(await diagnosticsOf(resolveSshTarget(host('gw01'), options(join(home, 'absent')))), /does not exist/);
});

test('ask means refuse (octoi never prompts); off means no', async () => {
  const file = config('strict.config', 'Host asked\n  StrictHostKeyChecking ask\nHost off\n  StrictHostKeyChecking off\n');
  assert.equal((await resolveSshTarget(host('asked'), options(file))).strictHostKeyChecking, 'yes');
  assert.equal((await resolveSshTarget(host('off'), options(file))).strictHostKeyChecking, 'no');
});

test('a run parses each file once: every host and hop reads the same lines, even if the file changes meanwhile', async () => {
  const file = config('cached.config', 'Host *\n  User first-read\nHost gw*\n  ProxyJump bastion\n');
  const cache = new SshConfigCache();
  const first = await resolveSshTarget(host('gw01'), { ...options(file), cache });
  writeFileSync(file, 'Host *\n  User second-read\n');
  const second = await resolveSshTarget(host('gw02'), { ...options(file), cache });
  assert.deepEqual([first.user, first.proxyJump[0]?.user, second.user, second.proxyJump[0]?.user], ['first-read', 'first-read', 'first-read', 'first-read']);
  // a new run reads the file again
  assert.equal((await resolveSshTarget(host('gw03'), options(file))).user, 'second-read');
});

test('1000 hosts behind one bastion parse each file once, included ones too', async () => {
  mkdirSync(join(home, 'fleet.d'), { recursive: true });
  config('fleet.d/bastion.conf', 'Host bastion\n  HostName 10.0.0.1\n  User jump\n');
  const file = config('fleet.config', `Include ${join(home, 'fleet.d')}/*.conf\nMatch originalhost gw*\n  ProxyJump bastion\nHost *\n  User deploy\n`);
  const cache = new SshConfigCache();
  for (let index = 0; index < 1000; index++) {
    const target = await resolveSshTarget(host(`gw${index}`), { ...options(file), cache });
    assert.deepEqual([target.user, target.proxyJump.map((hop) => `${hop.user}@${hop.hostname}`)], ['deploy', ['jump@10.0.0.1']]);
  }
  assert.equal(cache.parses, 2);
});

test('~/.ssh/config and included files that others could write are refused, as ssh refuses them', async () => {
  mkdirSync(join(home, '.ssh'), { recursive: true });
  const userConfig = join(home, '.ssh', 'config');
  writeFileSync(userConfig, 'Host *\n  User writable\n');
  chmodSync(userConfig, 0o666);
  const message = await diagnosticsOf(resolveSshTarget(host('gw01'), { homeDir: home, localUser: 'local', systemConfigFile: join(home, 'none') }));
  assert.match(message, /Bad owner or permissions on .*\.ssh\/config/);
  rmSync(userConfig);
  const included = config('group-writable.conf', 'User writable\n');
  chmodSync(included, 0o664);
  const file = config('includes-writable.config', `Include ${included}\n`);
  assert.match(await diagnosticsOf(resolveSshTarget(host('gw01'), options(file))), /Bad owner or permissions on .*group-writable\.conf/);
});

test('~user of another account is refused by name; ~ of the account itself is its home', async () => {
  const file = config('tilde.config', 'Host own\n  IdentityFile ~local/key\nHost other\n  IdentityFile ~root2/key\n');
  assert.deepEqual((await resolveSshTarget(host('own'), options(file))).identityFiles, [join(home, 'key')]);
  assert.match(await diagnosticsOf(resolveSshTarget(host('other'), options(file))), /~root2 is another account's home folder/);
});

test('an undefined ${VAR} in IdentityFile is an error, not a key silently skipped', async () => {
  const file = config('env.config', 'Host *\n  IdentityFile ${KEYS}/id\n');
  const withKeys = await resolveSshTarget(host('gw01'), { ...options(file), environment: { KEYS: '/srv/keys' } });
  assert.deepEqual(withKeys.identityFiles, ['/srv/keys/id']);
  assert.match(await diagnosticsOf(resolveSshTarget(host('gw01'), { ...options(file), environment: {} })), /:2:3: error: env var \$\{KEYS\} has no value/);
});

test('canonicalization never asks DNS: where ssh would, octoi refuses and names the setting', async () => {
  const file = config('canonical-dns.config', 'Host *\n  CanonicalizeHostname yes\n  CanonicalDomains corp.example\n');
  const message = await diagnosticsOf(resolveSshTarget(host('gw01'), options(file)));
  assert.ok(message.includes(`${file}:3:3: error: canonicalizing "gw01" needs a DNS lookup of gw01.corp.example.`), message);
  // enough dots: nothing to look up, and the second pass still runs
  assert.equal((await resolveSshTarget(host('gw01.site.corp.example'), options(file))).hostname, 'gw01.site.corp.example');
});

test('Include ~/… expands ~ to the home folder before the glob; the system file may not use ~', async () => {
  mkdirSync(join(home, '.ssh', 'tilde.d'), { recursive: true });
  writeFileSync(join(home, '.ssh', 'tilde.d', 'a.conf'), 'Host gw01\n  User from-tilde\n');
  const file = config('tilde-include.config', 'Include ~/.ssh/tilde.d/[a-z].conf\n');
  assert.equal((await resolveSshTarget(host('gw01'), options(file))).user, 'from-tilde');
  const system = config('system.config', 'Include ~/.ssh/tilde.d/*.conf\n');
  const message = await diagnosticsOf(resolveSshTarget(host('gw01'), { homeDir: home, localUser: 'local', systemConfigFile: system }));
  assert.match(message, /bad include path ~\/\.ssh\/tilde\.d\/\*\.conf/);
});
