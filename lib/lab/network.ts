import { runChecked, runCommand } from './run-command.js';
import { bridgeName, hostIndex, netnsName, netnsPrefix, vethName } from './names.js';
import { bridgeAddress, type Subnet24 } from './subnet.js';

export async function linkExists(name: string): Promise<boolean> {
  return (await runCommand(['ip', 'link', 'show', 'dev', name])).exitCode === 0;
}

export async function ensureBridge(id: string, subnet: Subnet24): Promise<void> {
  const bridge = bridgeName(id);
  if (await linkExists(bridge)) return;
  await runChecked(['ip', 'link', 'add', bridge, 'type', 'bridge']);
  await runChecked(['ip', 'addr', 'add', `${bridgeAddress(subnet)}/24`, 'dev', bridge]);
  await runChecked(['ip', 'link', 'set', bridge, 'up']);
}

export async function removeBridge(id: string): Promise<void> {
  const bridge = bridgeName(id);
  if (await linkExists(bridge)) await runChecked(['ip', 'link', 'del', bridge]);
}

/**
 * A network namespace joined to the bridge by a veth, with one address and no route beyond
 * the lab's /24: nothing a host sends can leave the lab.
 */
export async function createHostNetwork(id: string, host: string, index: number, address: string): Promise<string> {
  const netns = netnsName(id, host);
  const veth = vethName(id, index);
  await removeHostNetwork(id, host);
  await runChecked(['ip', 'netns', 'add', netns]);
  await runChecked(['ip', 'link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
  await runChecked(['ip', 'link', 'set', veth, 'master', bridgeName(id), 'up']);
  await runChecked(['ip', '-n', netns, '-batch', '-'], {
    input: `addr add ${address}/24 dev eth0\nlink set eth0 up\nlink set lo up\n`,
  });
  return `/run/netns/${netns}`;
}

/**
 * The veth pair goes first: a deleted namespace takes its end with it only when the kernel
 * gets round to freeing the namespace, which is after `ip netns del` returns.
 */
export async function removeHostNetwork(id: string, host: string): Promise<void> {
  const index = hostIndex(host);
  if (index !== undefined && (await linkExists(vethName(id, index)))) {
    await runChecked(['ip', 'link', 'del', vethName(id, index)]);
  }
  const netns = netnsName(id, host);
  if ((await listNetns()).includes(netns)) await runChecked(['ip', 'netns', 'del', netns]);
}

export async function listNetns(): Promise<string[]> {
  const out = await runChecked(['ip', 'netns', 'list']);
  return out.split('\n').map((line) => line.split(' ')[0] ?? '').filter(Boolean);
}

export async function labNetns(id: string): Promise<string[]> {
  return (await listNetns()).filter((name) => name.startsWith(netnsPrefix(id)));
}

/** Bridges of every lab on the machine, this one's included. */
export async function labBridges(): Promise<string[]> {
  const out = await runChecked(['ip', '-o', 'link', 'show', 'type', 'bridge']);
  return out
    .split('\n')
    .map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1] ?? '')
    .filter((name) => name.startsWith('octoi-'));
}
