/**
 * Differential test: for every config in test/fixtures/ssh/configs/ and each host of its
 * NAME.cases.json, resolveSshTarget must agree with `ssh -G -F NAME.config [-o ...] host`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { packageRoot } from '../../lib/paths.js';
import { resolveSshTarget } from '../../lib/ssh/ssh-config.js';
import type { InventoryConnection, SshTarget, StrictHostKeyChecking } from '../../lib/ssh/types.js';

interface ConfigCase {
  host: string;
  inventory?: { user?: string; port?: number; identityFile?: string };
  /** `Key=Value`, as given to `ssh -o` and as ansible_ssh_extra_args. */
  options?: string[];
}

const fixtures = join(packageRoot(), 'test', 'fixtures', 'ssh', 'configs');
const work = mkdtempSync(join(tmpdir(), 'octoi-ssh-config-'));
const home = mkdtempSync(join(tmpdir(), 'octoi-home-'));
// Include paths in the fixtures are written as @DIR@, the folder the configs are copied to
cpSync(fixtures, work, { recursive: true });
for (const file of readdirSync(work).filter((name) => name.endsWith('.config'))) {
  const path = join(work, file);
  writeFileSync(path, readFileSync(path, 'utf8').replaceAll('@DIR@', work));
}

after(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

/** ssh's own view, parsed from `ssh -G`: keyword → values in order. */
function sshG(configFile: string, connection: InventoryConnection): Map<string, string[]> {
  const args = ['-G', '-F', configFile];
  // the same order in which Ansible's ssh connection plugin passes them
  if (connection.port !== undefined) args.push('-o', `Port=${connection.port}`);
  if (connection.identityFile !== undefined) args.push('-o', `IdentityFile=${connection.identityFile}`);
  if (connection.user !== undefined) args.push('-o', `User=${connection.user}`);
  for (const option of connection.options) args.push('-o', `${option.key}=${option.value}`);
  args.push(connection.host ?? connection.name);
  const output = execFileSync('ssh', args, { encoding: 'utf8', env: { ...process.env, HOME: home }, stdio: ['ignore', 'pipe', 'ignore'] });
  const values = new Map<string, string[]>();
  for (const line of output.split('\n')) {
    const space = line.indexOf(' ');
    if (space < 0) continue;
    const key = line.slice(0, space);
    values.set(key, [...(values.get(key) ?? []), line.slice(space + 1)]);
  }
  return values;
}

/** `ssh -G` prints IdentityFile unexpanded; OpenSSH expands these tokens when it loads the keys. */
function expandIdentityFile(value: string, ssh: Map<string, string[]>, hostArg: string): string {
  const account = userInfo();
  const tokens: Record<string, string> = {
    '%': '%', d: account.homedir, h: ssh.get('hostname')![0], n: hostArg, p: ssh.get('port')![0],
    r: ssh.get('user')![0], u: account.username,
  };
  const expanded = value.replace(/%(.)/g, (_, token: string) => tokens[token]);
  return expanded.startsWith('~/') ? join(account.homedir, expanded.slice(2)) : expanded;
}

/** ssh's StrictHostKeyChecking values in octoi's terms (octoi never asks: `ask` refuses). */
const STRICT: Record<string, StrictHostKeyChecking> = { true: 'yes', ask: 'yes', false: 'no', 'accept-new': 'accept-new' };

function octoiView(target: SshTarget) {
  return {
    hostname: target.hostname,
    user: target.user,
    port: String(target.port),
    identityfile: target.identityFiles,
    identitiesonly: target.identitiesOnly ? 'yes' : 'no',
    proxyjump: target.proxyJump.length > 0 ? target.proxyJump.map((hop) => hop.name).join(',') : undefined,
    userknownhostsfile: target.knownHostsFiles.length > 0 ? target.knownHostsFiles.join(' ') : 'none',
    globalknownhostsfile: target.globalKnownHostsFiles?.join(' '),
    stricthostkeychecking: target.strictHostKeyChecking,
    hostkeyalias: target.hostKeyAlias,
    connecttimeout: target.connectTimeoutSeconds === undefined ? 'none' : String(target.connectTimeoutSeconds),
  };
}

function sshView(ssh: Map<string, string[]>, hostArg: string): ReturnType<typeof octoiView> {
  const one = (key: string) => ssh.get(key)?.[0];
  return {
    hostname: one('hostname')!,
    user: one('user')!,
    port: one('port')!,
    identityfile: (ssh.get('identityfile') ?? []).map((value) => expandIdentityFile(value, ssh, hostArg)),
    identitiesonly: one('identitiesonly')!,
    proxyjump: one('proxyjump'),
    userknownhostsfile: one('userknownhostsfile')!,
    globalknownhostsfile: one('globalknownhostsfile'),
    stricthostkeychecking: STRICT[one('stricthostkeychecking')!],
    hostkeyalias: one('hostkeyalias'),
    connecttimeout: one('connecttimeout')!,
  };
}

for (const casesFile of readdirSync(work).filter((name) => name.endsWith('.cases.json')).sort()) {
  const configFile = join(work, casesFile.replace('.cases.json', '.config'));
  const cases = JSON.parse(readFileSync(join(work, casesFile), 'utf8')) as ConfigCase[];
  describe(`ssh -G agrees on ${casesFile.replace('.cases.json', '.config')}`, () => {
    for (const testCase of cases) {
      const connection: InventoryConnection = {
        name: testCase.host,
        ...testCase.inventory,
        options: (testCase.options ?? []).map((option) => {
          const [key, ...value] = option.split('=');
          return { key, value: value.join('=') };
        }),
      };
      test(JSON.stringify(testCase), async () => {
        const target = await resolveSshTarget(connection, { configFile });
        assert.deepEqual(octoiView(target), sshView(sshG(configFile, connection), testCase.host));
      });
    }
  });
}
