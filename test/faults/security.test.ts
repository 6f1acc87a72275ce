import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ExitCode } from '../../lib/exit-codes.js';
import { runOctoi, type CliResult } from '../helpers/cli.js';
import { stringify } from 'yaml';
import { assertNoCrash, labHostVars, managedFiles, play, playbookText } from '../helpers/faults.js';
import { labSuite, type TestLab } from '../helpers/lab.js';
import { readFromPort } from '../helpers/tcp.js';

/** Everything a run could change on a host, and every SSH login it saw. */
async function hostState(lab: TestLab, host: string): Promise<string> {
  const files = await lab.exec(host, ['sh', '-c', 'find /etc/systemd/system /opt /srv /usr/local -xdev -printf "%p %m %U %G %s %T@\\n" | sort']);
  const units = await lab.exec(host, ['sh', '-c', 'systemctl list-units --all --plain --no-legend --no-pager "octoi*" | sort']);
  const logins = await lab.exec(host, ['sh', '-c', 'journalctl --no-pager -q -u ssh.service | grep -c "Accepted publickey" || true']);
  return [files.stdout, units.stdout, `logins: ${logins.stdout.trim()}`].join('\n---\n');
}

describe('security defaults and hostile input on a lab of 2 hosts', { timeout: 300_000 }, () => {
  const suite = labSuite(2);
  const file = async (name: string, content: string): Promise<string> => {
    const path = join(suite.work, name);
    await writeFile(path, content);
    return path;
  };


  it('installs units 0644 and scripts 0755, owned by root, and runs the service as a dynamic user by default', async () => {
    const playbook = await file('defaults.yml', playbookText([{ name: 'octoi-faults-sec', port: 15401, body: 'id -u' }]));
    const { run } = await play(suite.lab.inventoryPath, playbook);
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    const files = await managedFiles(playbook);
    for (const host of suite.lab.hosts) {
      const stat = await suite.lab.exec(host.name, ['stat', '-c', '%n %a %U %G', ...files.map((managed) => managed.path)]);
      assert.deepEqual(stat.stdout.trim().split('\n'), [
        '/etc/systemd/system/octoi-faults-sec.socket 644 root root',
        '/etc/systemd/system/octoi-faults-sec@.service 644 root root',
        '/opt/octoi-faults-sec/octoi-faults-sec.sh 755 root root',
      ]);
      const template = await suite.lab.exec(host.name, ['cat', '/etc/systemd/system/octoi-faults-sec@.service']);
      assert.match(template.stdout, /^DynamicUser=true$/m);
      // systemd's range for dynamic users: 61184-65519
      const uid = Number((await readFromPort(host.address, 15401)).trim());
      assert.ok(uid >= 61184 && uid <= 65519, `the service ran as uid ${uid}`);
    }
  });

  it('never writes a secret script into --json, --events or the output, --diff included', async () => {
    const secretService = (token: string) =>
      playbookText([{ name: 'octoi-faults-secret', port: 15402, body: `echo ${token}` }]).replace('      script:\n', '      script:\n        secret: true\n');
    const tokens = ['SECRET-TOKEN-one-7f3a', 'SECRET-TOKEN-two-91c2'];
    for (const [index, token] of tokens.entries()) {
      const playbook = await file(`secret-${index}.yml`, secretService(token));
      const events = join(suite.work, `secret-${index}.events`);
      const json = join(suite.work, `secret-${index}.json`);
      const run = await runOctoi(['play', playbook, '-i', suite.lab.inventoryPath, '--diff', '--json', json, '--events', events, '--plain']);
      assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
      if (index > 0) assert.match(run.stdout, /content not shown: the playbook marks it secret/);
      for (const output of [run.stdout, run.stderr, await readFile(json, 'utf8'), await readFile(events, 'utf8')]) {
        for (const secret of tokens) assert.ok(!output.includes(secret), `a secret leaked: ${output.slice(0, 400)}`);
      }
      assert.equal(await readFromPort(suite.lab.hosts[0]!.address, 15402), `${token}\n`, 'the secret script itself was installed');
    }
  });

  it('never prints or reports the key passphrase, right or wrong', async () => {
    const key = join(suite.work, 'encrypted_ed25519');
    const passphrase = 'pass-phrase-4be1-correct';
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-f', key]);
    const authorize = await suite.lab.exec('gw01', ['sh', '-c', 'cat >> /root/.ssh/authorized_keys <<EOF\n' + (await readFile(`${key}.pub`, 'utf8')) + 'EOF\n']);
    assert.equal(authorize.exitCode, 0, authorize.stderr);
    const vars = { ...(await labHostVars(suite.lab, 'gw01')), ansible_ssh_private_key_file: key };
    // gw01 under another name, alone: two names of one host in one run would race each other
    const inventory = await file('vault.yml', stringify({ all: { children: { gateways: { hosts: { vault: vars } } } } }));
    const playbook = await file('vault-playbook.yml', playbookText([{ name: 'octoi-faults-vault', port: 15403, body: 'echo vault' }]));
    const attempt = async (secret: string, expected: number): Promise<CliResult> => {
      const json = join(suite.work, `vault-${expected}.json`);
      const events = join(suite.work, `vault-${expected}.events`);
      const run = await runOctoi(['play', playbook, '-i', inventory, '--json', json, '--events', events, '--plain'], { env: { OCTOI_SSH_PASSPHRASE: secret } });
      assertNoCrash(run);
      assert.equal(run.exitCode, expected, run.stdout + run.stderr);
      for (const output of [run.stdout, run.stderr, await readFile(json, 'utf8'), await readFile(events, 'utf8')]) {
        assert.ok(!output.includes(secret), 'the passphrase leaked');
      }
      return run;
    };
    await attempt(passphrase, ExitCode.ok);
    const wrong = await attempt('pass-phrase-4be1-wrong', ExitCode.hostsUnreachable);
    assert.match(wrong.stdout, /vault: unreachable: no usable identity.*\n.*the passphrase does not open it/);
  });

  it('an invalid or hostile playbook is refused at FILE:LINE:COL and changes nothing on any host, not even a login', async () => {
    const service = (fields: string) => `- hosts: gateways\n  services:\n    - name: octoi-faults-bad\n      listen: 15404\n      script: { content: "#!/bin/sh\\n" }\n${fields}`;
    const cases: Array<[string, string]> = [
      ['malformed.yml', '- hosts: [gateways\n'],
      ['wrong-type.yml', service('      accept: "yes please"\n')],
      ['duplicate-key.yml', service('      listen: 15405\n')],
      ['unknown-key.yml', service('      descripton: typo\n')],
      ['alias-bomb.yml', `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n`],
      ['two-on-one-port.yml', `${service('')}    - name: octoi-faults-bad2\n      listen: 15404\n      script: { content: "#!/bin/sh\\n" }\n`],
      ['port-range.yml', service('').replace('15404', '65536')],
      ['name-injection.yml', service('').replace('octoi-faults-bad', '"bad;reboot"')],
      ['description-newline.yml', service('      description: "x\\nExecStartPre=/bin/sh -c reboot"\n')],
      ['path-traversal.yml', service('').replace('script: { content: "#!/bin/sh\\n" }', 'script: { content: "x", path: /opt/../etc/cron.d/x }')],
      ['user-substitution.yml', service('      user: { user: "$(id)" }\n')],
      ['directive-injection.yml', service('      service: { "ExecStartPre=/bin/sh\\nX": 1 }\n')],
      ['nul.yml', service('      description: "a\\0b"\n')],
    ];
    const before = await Promise.all(suite.lab.hosts.map((host) => hostState(suite.lab, host.name)));
    for (const state of before) assert.match(state, /logins: [1-9]/, 'the login count sees the earlier runs');
    for (const [name, content] of cases) {
      const path = await file(name, content);
      const run = await runOctoi(['play', path, '-i', suite.lab.inventoryPath, '--plain']);
      assertNoCrash(run);
      assert.equal(run.exitCode, ExitCode.invalidInput, `${name} was not refused: ${run.stdout}${run.stderr}`);
      assert.ok(run.stderr.includes(`${path}:`), `${name}: no position in ${run.stderr}`);
      assert.match(run.stderr, new RegExp(`${name.replace('.', '\\.')}:\\d+:\\d+: error: `), run.stderr);
    }
    const after = await Promise.all(suite.lab.hosts.map((host) => hostState(suite.lab, host.name)));
    assert.deepEqual(after, before);
  });
});
