import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { connectionDefaults, findAnsibleCfg, loadAnsibleConfig, type CfgEnvironment } from '../../lib/config/ansible-cfg.js';
import type { Diagnostic } from '../../lib/diagnostics.js';
import { OctoiError } from '../../lib/diagnostics.js';
import { runOctoi } from '../helpers/cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'octoi-ansible-cfg-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function folder(...parts: string[]): string {
  const path = join(scratch, ...parts);
  mkdirSync(path, { recursive: true });
  chmodSync(path, 0o755);
  return path;
}

describe('finding ansible.cfg as Ansible does', () => {
  const home = folder('home');
  const project = folder('project');
  const elsewhere = folder('elsewhere');
  writeFileSync(join(home, '.ansible.cfg'), '[defaults]\n');
  writeFileSync(join(project, 'ansible.cfg'), '[defaults]\n');
  writeFileSync(join(elsewhere, 'ansible.cfg'), '[defaults]\n');
  const environment = (env: NodeJS.ProcessEnv, cwd: string): CfgEnvironment => ({ env, cwd, home });

  it('takes ANSIBLE_CONFIG (a file or a folder) first, then ./ansible.cfg, then ~/.ansible.cfg', () => {
    assert.deepEqual(findAnsibleCfg(environment({ ANSIBLE_CONFIG: elsewhere }, project)), { path: join(elsewhere, 'ansible.cfg'), foundBy: 'ANSIBLE_CONFIG' });
    assert.deepEqual(findAnsibleCfg(environment({ ANSIBLE_CONFIG: join(elsewhere, 'missing.cfg') }, project)), { path: join(project, 'ansible.cfg'), foundBy: 'the current folder' });
    assert.deepEqual(findAnsibleCfg(environment({}, folder('empty'))), { path: join(home, '.ansible.cfg'), foundBy: 'the home folder' });
  });

  it('skips ./ansible.cfg in a folder everyone can write to, and says so', () => {
    const open = folder('open');
    writeFileSync(join(open, 'ansible.cfg'), '[defaults]\n');
    chmodSync(open, 0o777);
    const warnings: Diagnostic[] = [];
    assert.equal(findAnsibleCfg(environment({}, open), warnings)?.path, join(home, '.ansible.cfg'));
    assert.match(warnings[0]?.message ?? '', /is ignored: the folder .* is writable by everyone/);
  });
});

describe('reading ansible.cfg', () => {
  const dir = folder('read');
  const write = (text: string): CfgEnvironment => {
    writeFileSync(join(dir, 'ansible.cfg'), text);
    return { env: { KEYS: '/srv/keys', ANSIBLE_CONFIG: join(dir, 'ansible.cfg') }, cwd: folder('cwd'), home: '/home/ops' };
  };

  it('types values, resolves paths from the file\'s folder, and names what octoi ignores', () => {
    const config = loadAnsibleConfig(write(`[defaults]
inventory = inventories/prod.ini, ~/extra , $KEYS/../inv
remote_user = "deploy"
private_key_file = $KEYS/id_gw
forks = 20
gathering = smart
host_key_checking = False
[ssh_connection]
ssh_args = -C -o ControlMaster=auto
pipelining = True
[privilege_escalation]
become = yes
`));
    const value = (name: Parameters<typeof config.settings.get>[0]) => config.settings.get(name)?.value;
    assert.deepEqual(value('inventory'), [join(dir, 'inventories/prod.ini'), '/home/ops/extra', '/srv/inv']);
    assert.equal(value('remote_user'), 'deploy');
    assert.equal(value('private_key_file'), '/srv/keys/id_gw');
    assert.equal(value('forks'), 20);
    assert.equal(value('become'), true);
    assert.equal(config.settings.get('forks')?.origin, `${join(dir, 'ansible.cfg')}:5 [defaults] forks`);
    assert.deepEqual(config.ignored, ['[defaults] gathering (line 6)', '[ssh_connection] pipelining (line 10)']);
    assert.match(config.warnings[0]?.message ?? '', /host_key_checking is False: octoi treats it as --accept-new .* a changed key still fails/);
    assert.deepEqual(connectionDefaults(config), {
      ansible_user: 'deploy', ansible_private_key_file: '/srv/keys/id_gw', ansible_ssh_args: '-C -o ControlMaster=auto', ansible_become: true,
    });
  });

  it('refuses values that are not of their type, at their line', () => {
    assert.throws(() => loadAnsibleConfig(write('[defaults]\nforks = many\nhost_key_checking = nope\n')), (error: unknown) => {
      assert.ok(error instanceof OctoiError);
      assert.deepEqual(error.diagnostics.map((d) => [d.position?.line, d.message]), [
        [2, '[defaults] forks: "many" is not a whole number'],
        [3, '[defaults] host_key_checking: "nope" is not a boolean'],
      ]);
      return true;
    });
  });
});

describe('octoi config and the commands that read ansible.cfg', () => {
  const project = folder('cli');
  writeFileSync(join(project, 'hosts.ini'), '[gateways]\ngw1\ngw2\n');
  writeFileSync(join(project, 'other.ini'), '[other]\nx1\n');
  writeFileSync(join(project, 'ansible.cfg'), '[defaults]\ninventory = hosts.ini\nforks = 7\nroles_path = roles\n[privilege_escalation]\nbecome_user = app\n');
  const env = { HOME: folder('cli-home'), ANSIBLE_CONFIG: undefined };

  it('octoi config shows each setting, its value and where it comes from; ignored settings once', async () => {
    const result = await runOctoi(['config'], { cwd: project, env });
    assert.equal(result.exitCode, 0, result.stderr);
    const cfg = join(project, 'ansible.cfg');
    assert.match(result.stdout, new RegExp(`^ansible.cfg: ${cfg} \\(from the current folder\\)\n`));
    assert.match(result.stdout, new RegExp(`\ninventory +${join(project, 'hosts.ini')} +${cfg}:2 \\[defaults\\] inventory\n`));
    assert.match(result.stdout, new RegExp(`\nforks +7 +${cfg}:3 \\[defaults\\] forks\n`));
    assert.match(result.stdout, new RegExp(`\nbecome_user +app +${cfg}:6 \\[privilege_escalation\\] become_user\n`));
    assert.match(result.stdout, /\nhost_key_checking +True +default\n/);
    assert.match(result.stdout, /\nremote_user +- +not set\n/);
    assert.equal(result.stderr, `warning: ${cfg}: octoi ignores [defaults] roles_path (line 4)\n`);
  });

  it('ansible.cfg\'s inventory is used without -i; -i wins', async () => {
    const fromCfg = await runOctoi(['inventory', '--list-hosts', 'all'], { cwd: project, env });
    assert.equal(fromCfg.stdout, 'gw1\ngw2\n', fromCfg.stderr);
    const fromFlag = await runOctoi(['inventory', '-i', 'other.ini', '--list-hosts', 'all'], { cwd: project, env });
    assert.equal(fromFlag.stdout, 'x1\n');
  });

  it('a broken ansible.cfg stops a command before anything, at its line', async () => {
    const broken = folder('broken');
    writeFileSync(join(broken, 'ansible.cfg'), '[defaults]\nforks = 7\nforks = 8\n');
    const result = await runOctoi(['inventory', '-i', 'gw1,', '--list-hosts', 'all'], { cwd: broken, env });
    assert.equal(result.exitCode, 4);
    assert.match(result.stderr, new RegExp(`${join(broken, 'ansible.cfg')}:3:1: error: forks is set twice in \\[defaults\\]`));
  });
});
