/**
 * Differential test: for every config in test/fixtures/ssh/configs/ and each host of its
 * NAME.cases.json, resolveSshTarget must agree with `ssh -G -F NAME.config [-o ...] host`
 * (OpenSSH 9.2, openssh-client): the same settings, or both refusing the same line.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { OctoiError } from '../../lib/diagnostics.js';
import { packageRoot } from '../../lib/paths.js';
import { resolveSshTarget } from '../../lib/ssh/ssh-config.js';
import type { InventoryConnection, SshTarget, StrictHostKeyChecking } from '../../lib/ssh/types.js';

interface ConfigCase {
  host: string;
  inventory?: { user?: string; port?: number; identityFile?: string };
  /** `Key=Value`, as given to `ssh -o` and as ansible_ssh_extra_args. */
  options?: string[];
  /** Environment variables for `${VAR}`, given to both. */
  env?: Record<string, string>;
  /**
   * Both refuse and say this; both name the config line `line`, or only octoi names `octoiLine`
   * (ssh reports expansion errors without a line).
   */
  fails?: { line?: number; octoiLine?: number; message: string };
  /** ssh accepts it, octoi refuses with this message (it would run a command or ask DNS). */
  refuses?: string;
  /** ssh looks a name up in DNS here (seen in its debug output); only with `refuses`. */
  lookup?: boolean;
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

interface SshRun {
  status: number | null;
  stderr: string;
  values: Map<string, string[]>;
}

/**
 * ssh's own view, parsed from `ssh -G`, run in an empty network namespace: where ssh would ask
 * DNS the lookup fails at once, and its debug output says it tried.
 */
function sshG(configFile: string, connection: InventoryConnection, env: Record<string, string>, extra: string[] = []): SshRun {
  const args = ['-n', 'ssh', '-vvv', '-G', '-F', configFile, ...extra];
  // the same order in which Ansible's ssh connection plugin passes them
  if (connection.port !== undefined) args.push('-o', `Port=${connection.port}`);
  if (connection.identityFile !== undefined) args.push('-o', `IdentityFile=${connection.identityFile}`);
  if (connection.user !== undefined) args.push('-o', `User=${connection.user}`);
  for (const option of connection.options) args.push('-o', `${option.key}=${option.value}`);
  args.push(connection.host ?? connection.name);
  const run = spawnSync('unshare', args, { encoding: 'utf8', env: { ...process.env, HOME: home, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const values = new Map<string, string[]>();
  for (const line of run.stdout.split('\n')) {
    const space = line.indexOf(' ');
    if (space < 0) continue;
    const key = line.slice(0, space);
    values.set(key, [...(values.get(key) ?? []), line.slice(space + 1)]);
  }
  return { status: run.status, stderr: run.stderr, values };
}

const looksUp = (run: SshRun) => /resolve_host: lookup /.test(run.stderr);

/**
 * `ssh -G` prints IdentityFile as written; ssh expands it when loading keys with the same
 * function as UserKnownHostsFile, which `-G` prints expanded. So ssh itself expands them here.
 */
function sshExpandedIdentityFiles(configFile: string, connection: InventoryConnection, env: Record<string, string>, written: string[]): string[] {
  return written.filter((file) => file.toLowerCase() !== 'none').map((file) => {
    const quoted = `"${file.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
    const run = sshG(configFile, connection, env, ['-o', `UserKnownHostsFile=${quoted}`]);
    assert.equal(run.status, 0, run.stderr);
    const [expanded] = run.values.get('userknownhostsfile') ?? [];
    assert.ok(expanded !== undefined, 'ssh -G printed no UserKnownHostsFile');
    return expanded;
  });
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

function sshView(ssh: Map<string, string[]>, identityFiles: string[]): ReturnType<typeof octoiView> {
  const one = (key: string) => ssh.get(key)?.[0];
  const strictness = STRICT[one('stricthostkeychecking') ?? ''];
  assert.ok(strictness, `ssh -G printed StrictHostKeyChecking ${one('stricthostkeychecking')}, which has no octoi name`);
  return {
    hostname: one('hostname')!,
    user: one('user')!,
    port: one('port')!,
    identityfile: identityFiles,
    identitiesonly: one('identitiesonly')!,
    proxyjump: one('proxyjump'),
    userknownhostsfile: one('userknownhostsfile')!,
    globalknownhostsfile: one('globalknownhostsfile'),
    stricthostkeychecking: strictness,
    hostkeyalias: one('hostkeyalias'),
    connecttimeout: one('connecttimeout')!,
  };
}

async function octoiError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof OctoiError, String(error));
    return error.message;
  }
  return 'octoi accepted it';
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
          const equals = option.indexOf('=');
          return equals < 0 ? { key: option, value: '' } : { key: option.slice(0, equals), value: option.slice(equals + 1) };
        }),
      };
      test(JSON.stringify(testCase), async () => {
        const env = testCase.env ?? {};
        const environment = { ...process.env, HOME: home, ...env };
        const resolving = resolveSshTarget(connection, { configFile, environment });
        const ssh = sshG(configFile, connection, env);
        assert.equal(looksUp(ssh), testCase.lookup === true, `ssh ${looksUp(ssh) ? 'looked' : 'did not look'} a name up:\n${ssh.stderr}`);
        if (testCase.fails) {
          const { line, octoiLine = line, message } = testCase.fails;
          assert.equal(ssh.status, 255);
          assert.ok(ssh.stderr.includes(message), ssh.stderr);
          if (line !== undefined) assert.match(ssh.stderr, new RegExp(`line ${line}: `));
          const refusal = await octoiError(resolving);
          assert.ok(refusal.includes(message) && (octoiLine === undefined || refusal.includes(`${configFile}:${octoiLine}:`)), refusal);
          return;
        }
        // a direct host's failed lookup stops ssh too: in this namespace every lookup fails
        if (!testCase.lookup) assert.equal(ssh.status, 0, ssh.stderr);
        if (testCase.refuses) {
          assert.match(await octoiError(resolving), new RegExp(escape(testCase.refuses)));
          return;
        }
        const identityFiles = sshExpandedIdentityFiles(configFile, connection, env, ssh.values.get('identityfile') ?? []);
        assert.deepEqual(octoiView(await resolving), sshView(ssh.values, identityFiles));
      });
    }
  });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
