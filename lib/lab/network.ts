import { runChecked, runCommand } from './run-command.js';
import { bridgeName, hostIndex, innerBridgeName, innerNetnsName, innerVethName, netnsName, netnsPrefix, vethName } from './names.js';
import { bridgeAddress, type Subnet24 } from './subnet.js';

async function linkExists(name: string, netns?: string): Promise<boolean> {
  const where = netns === undefined ? [] : ['-n', netns];
  return (await runCommand(['ip', ...where, 'link', 'show', 'dev', name])).exitCode === 0;
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

/** A host's interface: on the lab's bridge in the machine, or on the inner network's bridge. */
export interface HostLink {
  network: 'lan' | 'inner';
  address: string;
}

/**
 * A network namespace with one veth per link (eth0, eth1, ...), one address on each and no route
 * beyond their /24s: nothing a host sends can leave the lab, and no host routes between networks.
 */
export async function createHostNetwork(id: string, host: string, index: number, links: readonly HostLink[]): Promise<string> {
  const netns = netnsName(id, host);
  await removeHostNetwork(id, host);
  await runChecked(['ip', 'netns', 'add', netns]);
  const setup: string[] = ['link set lo up'];
  for (const [position, link] of links.entries()) {
    const name = `eth${position}`;
    if (link.network === 'lan') {
      await runChecked(['ip', 'link', 'add', vethName(id, index), 'type', 'veth', 'peer', 'name', name, 'netns', netns]);
      await runChecked(['ip', 'link', 'set', vethName(id, index), 'master', bridgeName(id), 'up']);
    } else {
      const inner = ['ip', '-n', innerNetnsName(id), 'link'];
      await runChecked([...inner, 'add', innerVethName(index), 'type', 'veth', 'peer', 'name', name, 'netns', netns]);
      await runChecked([...inner, 'set', innerVethName(index), 'master', innerBridgeName, 'up']);
    }
    setup.push(`addr add ${link.address}/24 dev ${name}`, `link set ${name} up`);
  }
  await runChecked(['ip', '-n', netns, '-batch', '-'], { input: `${setup.join('\n')}\n` });
  return `/run/netns/${netns}`;
}

/**
 * The veth pairs go first: a deleted namespace takes its ends with it only when the kernel
 * gets round to freeing the namespace, which is after `ip netns del` returns.
 */
export async function removeHostNetwork(id: string, host: string): Promise<void> {
  const index = hostIndex(host);
  if (index !== undefined && (await linkExists(vethName(id, index)))) {
    await runChecked(['ip', 'link', 'del', vethName(id, index)]);
  }
  const namespaces = await listNetns();
  if (index !== undefined && namespaces.includes(innerNetnsName(id)) && (await linkExists(innerVethName(index), innerNetnsName(id)))) {
    await runChecked(['ip', '-n', innerNetnsName(id), 'link', 'del', innerVethName(index)]);
  }
  const netns = netnsName(id, host);
  if (namespaces.includes(netns)) await runChecked(['ip', 'netns', 'del', netns]);
}

/**
 * The network behind the bastion: its bridge in a namespace of its own, and in the machine only
 * an `unreachable` route for its /24, so nothing sent there from the machine leaves by the
 * default route, and other labs choose another subnet.
 */
export async function ensureInnerNetwork(id: string, subnet: Subnet24): Promise<void> {
  const netns = innerNetnsName(id);
  if (!(await listNetns()).includes(netns)) {
    await runChecked(['ip', 'netns', 'add', netns]);
    await runChecked(['ip', '-n', netns, '-batch', '-'], {
      input: `link add ${innerBridgeName} type bridge\nlink set ${innerBridgeName} up\nlink set lo up\n`,
    });
  }
  if (!(await runChecked(['ip', '-4', 'route', 'show', 'type', 'unreachable', `${subnet}.0/24`])).trim()) {
    await runChecked(['ip', '-4', 'route', 'add', 'unreachable', `${subnet}.0/24`]);
  }
}

export async function removeInnerNetwork(id: string, subnet: Subnet24 | undefined): Promise<void> {
  if (subnet !== undefined && (await runChecked(['ip', '-4', 'route', 'show', 'type', 'unreachable', `${subnet}.0/24`])).trim()) {
    await runChecked(['ip', '-4', 'route', 'del', 'unreachable', `${subnet}.0/24`]);
  }
  if ((await listNetns()).includes(innerNetnsName(id))) await runChecked(['ip', 'netns', 'del', innerNetnsName(id)]);
}

async function listNetns(): Promise<string[]> {
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
