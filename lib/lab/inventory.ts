import { stringify } from 'yaml';
import { releases, type Release } from './image.js';
import { bastionName } from './names.js';

interface InventoryHost {
  name: string;
  address: string;
  /** Reached through the bastion only. */
  behindBastion?: boolean;
  release: Release;
}

export interface InventoryOptions {
  privateKeyPath: string;
  knownHostsPath: string;
  sshConfigPath: string;
  /** The bastion's address on the machine's side, when the lab has one. */
  bastionAddress?: string;
}

type HostVars = Record<string, string>;

/**
 * The lab's Ansible YAML inventory: group `gateways`, every connection variable on each host,
 * and host keys checked strictly against the lab's known_hosts (for octoi and Ansible alike).
 * With a bastion: group `bastions`, and group `behind_bastion` (also gateways) reached through it
 * with ProxyJump; the hop's own key and known_hosts come from the lab's ssh_config, since ssh
 * hands the jump only `-F`, never `-o` options. Each gateway is also in the group of its Debian
 * release (`debian11`, `debian12`, `debian13`).
 */
export function renderInventory(hosts: readonly InventoryHost[], options: InventoryOptions): string {
  const strict = `-o UserKnownHostsFile=${options.knownHostsPath} -o StrictHostKeyChecking=yes`;
  const jump = `-F ${options.sshConfigPath} -o ProxyJump=root@${options.bastionAddress} `;
  const vars = (host: InventoryHost): HostVars => ({
    ansible_host: host.address,
    ansible_user: 'root',
    ansible_ssh_private_key_file: options.privateKeyPath,
    ansible_ssh_common_args: host.behindBastion ? jump + strict : strict,
  });
  const gateways = hosts.filter((host) => host.name !== bastionName);
  const behind = gateways.filter((host) => host.behindBastion);
  const bastions = hosts.filter((host) => host.name === bastionName);
  const children: Record<string, { hosts: Record<string, HostVars> }> = {
    gateways: { hosts: Object.fromEntries(gateways.map((host) => [host.name, vars(host)])) },
  };
  const members = (group: readonly InventoryHost[]) => ({ hosts: Object.fromEntries(group.map((host) => [host.name, {}])) });
  if (behind.length > 0) children['behind_bastion'] = members(behind);
  for (const [release, version] of Object.entries(releases)) {
    const ofRelease = gateways.filter((host) => host.release === release);
    if (ofRelease.length > 0) children[`debian${version}`] = members(ofRelease);
  }
  if (bastions.length > 0) children['bastions'] = { hosts: Object.fromEntries(bastions.map((host) => [host.name, vars(host)])) };
  const header = '# Written by `octoi lab up`: the hosts of this lab. Rewritten on every `up`.\n';
  return header + stringify({ all: { children } });
}

/** OpenSSH client settings for the bastion as a jump host: the lab's key and known_hosts, strictly. */
export function renderSshConfig(options: InventoryOptions): string {
  const header = '# Written by `octoi lab up`: how to log into the lab\'s bastion as a jump host.\n';
  if (options.bastionAddress === undefined) return header;
  return [
    header.trimEnd(),
    `Host ${options.bastionAddress}`,
    '  User root',
    `  IdentityFile ${options.privateKeyPath}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${options.knownHostsPath}`,
    '  StrictHostKeyChecking yes',
    '',
  ].join('\n');
}
