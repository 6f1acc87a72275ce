import { stringify } from 'yaml';

export interface InventoryHost {
  name: string;
  address: string;
}

export interface InventoryOptions {
  privateKeyPath: string;
  knownHostsPath: string;
}

/**
 * The lab's Ansible YAML inventory: group `gateways`, every connection variable on each host,
 * and host keys checked strictly against the lab's known_hosts (for octoi and Ansible alike).
 */
export function renderInventory(hosts: readonly InventoryHost[], options: InventoryOptions): string {
  const commonArgs = `-o UserKnownHostsFile=${options.knownHostsPath} -o StrictHostKeyChecking=yes`;
  const entries = Object.fromEntries(
    hosts.map((host) => [
      host.name,
      {
        ansible_host: host.address,
        ansible_user: 'root',
        ansible_ssh_private_key_file: options.privateKeyPath,
        ansible_ssh_common_args: commonArgs,
      },
    ]),
  );
  const header = '# Written by `octoi lab up`: the hosts of this lab. Rewritten on every `up`.\n';
  return header + stringify({ all: { children: { gateways: { hosts: entries } } } });
}
