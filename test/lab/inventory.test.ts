import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { renderInventory, renderSshConfig } from '../../lib/lab/inventory.js';
import { knownHostsText } from '../../lib/lab/keys.js';

describe('lab inventory and known_hosts', () => {
  it('writes an Ansible YAML inventory: group gateways, connection variables and strict host keys per host', () => {
    const text = renderInventory(
      [
        { name: 'gw01', address: '10.70.1.2', release: 'bookworm' },
        { name: 'gw02', address: '10.70.1.3', release: 'bookworm' },
      ],
      { privateKeyPath: '/srv/lab/id_ed25519', knownHostsPath: '/srv/lab/known_hosts', sshConfigPath: '/srv/lab/ssh_config' },
    );
    assert.deepEqual(parse(text), {
      all: {
        children: {
          gateways: {
            hosts: {
              gw01: {
                ansible_host: '10.70.1.2',
                ansible_user: 'root',
                ansible_ssh_private_key_file: '/srv/lab/id_ed25519',
                ansible_ssh_common_args: '-o UserKnownHostsFile=/srv/lab/known_hosts -o StrictHostKeyChecking=yes',
              },
              gw02: {
                ansible_host: '10.70.1.3',
                ansible_user: 'root',
                ansible_ssh_private_key_file: '/srv/lab/id_ed25519',
                ansible_ssh_common_args: '-o UserKnownHostsFile=/srv/lab/known_hosts -o StrictHostKeyChecking=yes',
              },
            },
          },
          debian12: { hosts: { gw01: {}, gw02: {} } },
        },
      },
    });
  });

  it('puts each gateway in the group of its Debian release, the bastion in none', () => {
    const text = renderInventory(
      [
        { name: 'gw01', address: '10.70.1.2', release: 'bullseye' },
        { name: 'gw02', address: '10.70.1.3', release: 'trixie' },
        { name: 'gw03', address: '10.70.1.4', release: 'bullseye' },
        { name: 'bastion', address: '10.70.1.254', release: 'bookworm' },
        { name: 'gw04', address: '10.70.2.5', release: 'bookworm', behindBastion: true },
      ],
      { privateKeyPath: '/srv/lab/id_ed25519', knownHostsPath: '/srv/lab/known_hosts', sshConfigPath: '/srv/lab/ssh_config', bastionAddress: '10.70.1.254' },
    );
    const groups = (parse(text) as { all: { children: Record<string, { hosts: Record<string, unknown> }> } }).all.children;
    assert.deepEqual(Object.keys(groups['gateways']?.hosts ?? {}), ['gw01', 'gw02', 'gw03', 'gw04']);
    assert.deepEqual(groups['debian11'], { hosts: { gw01: {}, gw03: {} } });
    assert.deepEqual(groups['debian12'], { hosts: { gw04: {} } });
    assert.deepEqual(groups['debian13'], { hosts: { gw02: {} } });
  });

  it('puts hosts behind the bastion in gateways and behind_bastion, reached with ProxyJump and the -F file for the hop', () => {
    const options = {
      privateKeyPath: '/srv/lab/id_ed25519',
      knownHostsPath: '/srv/lab/known_hosts',
      sshConfigPath: '/srv/lab/ssh_config',
      bastionAddress: '10.70.1.254',
    };
    const strict = '-o UserKnownHostsFile=/srv/lab/known_hosts -o StrictHostKeyChecking=yes';
    const vars = (address: string, args: string) => ({
      ansible_host: address,
      ansible_user: 'root',
      ansible_ssh_private_key_file: '/srv/lab/id_ed25519',
      ansible_ssh_common_args: args,
    });
    const text = renderInventory(
      [
        { name: 'gw01', address: '10.70.1.2', release: 'bookworm' },
        { name: 'bastion', address: '10.70.1.254', release: 'bookworm' },
        { name: 'gw02', address: '10.70.2.3', release: 'bookworm', behindBastion: true },
      ],
      options,
    );
    assert.deepEqual(parse(text), {
      all: {
        children: {
          gateways: {
            hosts: {
              gw01: vars('10.70.1.2', strict),
              gw02: vars('10.70.2.3', `-F /srv/lab/ssh_config -o ProxyJump=root@10.70.1.254 ${strict}`),
            },
          },
          behind_bastion: { hosts: { gw02: {} } },
          debian12: { hosts: { gw01: {}, gw02: {} } },
          bastions: { hosts: { bastion: vars('10.70.1.254', strict) } },
        },
      },
    });
    assert.equal(
      renderSshConfig(options).split('\n').slice(1).join('\n'),
      'Host 10.70.1.254\n  User root\n  IdentityFile /srv/lab/id_ed25519\n  IdentitiesOnly yes\n' +
        '  UserKnownHostsFile /srv/lab/known_hosts\n  StrictHostKeyChecking yes\n',
    );
  });

  it('writes known_hosts lines of address, key type and key, without the comment', () => {
    const text = knownHostsText([
      { address: '10.70.1.2', publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA root@gw01\n' },
      { address: '10.70.1.3', publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB' },
    ]);
    assert.equal(text, '10.70.1.2 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA\n10.70.1.3 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB\n');
  });
});
