/**
 * Vault end to end: the lab's hosts reached with a vaulted `ansible_user` and a script that prints a
 * secret from a vaulted group_vars file, both encrypted by the real ansible-vault at test time.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { before, describe, it } from 'node:test';
import { ExitCode } from '../../lib/exit-codes.js';
import { runOctoi } from '../helpers/cli.js';
import { labSuite } from '../helpers/lab.js';
import { readFromPort } from '../helpers/tcp.js';

const run = promisify(execFile);
const port = 14201;
const playbook = `- hosts: gateways
  services:
    - name: octoi-vault
      listen: ${port}
      script:
        content: |
          #!/bin/sh
          echo "token {{ gateway_token }}"
`;

describe('Ansible Vault on a lab of 1 host', { timeout: 600_000 }, () => {
  const suite = labSuite(1);
  let password: string;
  let inventory: string;

  before(async () => {
    const env = { ...process.env, ANSIBLE_CONFIG: join(suite.work, 'none.cfg') };
    password = await suite.file('vault-pass', 'lab-vault-password\n');
    const vault = ['--vault-password-file', password];
    const { stdout: user } = await run('ansible-vault', ['encrypt_string', ...vault, '--name', 'ansible_user', 'root'], { env });
    const dir = join(suite.work, 'vaulted');
    await mkdir(join(dir, 'group_vars'), { recursive: true });
    const groupVars = join(dir, 'group_vars', 'gateways.yml');
    await suite.file(join('vaulted', 'group_vars', 'gateways.yml'), 'gateway_token: t0ken-from-vault\n');
    await run('ansible-vault', ['encrypt', ...vault, groupVars], { env });
    const host = suite.lab.hosts[0]!.name;
    inventory = await suite.file(join('vaulted', 'hosts.yml'), `all:\n  hosts:\n    ${host}:\n${user.trimEnd().split('\n').map((line) => `      ${line}`).join('\n')}\n`);
  });

  it('connects as the vaulted ansible_user and renders the vaulted group_vars value', async () => {
    const file = await suite.file('vault-play.yml', playbook);
    const result = await runOctoi(['play', file, '-i', suite.lab.inventoryPath, '-i', inventory, '--vault-password-file', password]);
    assert.equal(result.exitCode, ExitCode.ok, result.stdout + result.stderr);
    assert.equal(await readFromPort(suite.lab.hosts[0]!.address, port), 'token t0ken-from-vault\n');
    assert.doesNotMatch(result.stdout + result.stderr, /t0ken-from-vault|lab-vault-password/);
  });

  it('without the password refuses before contacting the host, naming the vaulted file', async () => {
    const result = await runOctoi(['plan', join(suite.work, 'vault-play.yml'), '-i', suite.lab.inventoryPath, '-i', inventory]);
    assert.equal(result.exitCode, ExitCode.invalidInput, result.stdout + result.stderr);
    assert.match(result.stderr, /group_vars\/gateways\.yml:1:1: error: the file .* is encrypted with Ansible Vault and no vault password was given/);
    assert.match(result.stderr, /--vault-password-file FILE/);
  });
});
