import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';

/**
 * Every name a lab makes outside its folder (bridge, network namespaces, veths, cgroups) carries
 * an id derived from the folder's absolute path, so labs in two folders never share a name.
 */
export function labId(dir: string): string {
  return createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 6);
}

export function hostName(index: number): string {
  return `gw${String(index).padStart(2, '0')}`;
}

/** The host on both networks of a lab with hosts behind a bastion. */
export const bastionName = 'bastion';

/** 1-based index of a host name made by hostName, 0 for the bastion, undefined for other names. */
export function hostIndex(name: string): number | undefined {
  if (name === bastionName) return 0;
  const match = /^gw(\d{2,3})$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** Interface names are limited to 15 characters by the kernel. */
export function bridgeName(id: string): string {
  return `octoi-${id}`;
}

export function vethName(id: string, index: number): string {
  return `oc${id}-${index}`;
}

/**
 * The inner network's switch: a namespace of its own holding the bridge, so the machine has no
 * interface on that network at all. Its name is outside netnsPrefix: it is not a host.
 */
export function innerNetnsName(id: string): string {
  return `octoi-${id}.inner`;
}

export const innerBridgeName = 'br0';

/** A host's end of its link to the inner network's bridge, inside the switch namespace. */
export function innerVethName(index: number): string {
  return `v${index}`;
}

export function netnsName(id: string, host: string): string {
  return `octoi-${id}-${host}`;
}

export function netnsPrefix(id: string): string {
  return `octoi-${id}-`;
}

/** The lab's cgroup under the machine's cgroup2 hierarchy (when no systemd delegates one). */
export function labCgroupName(id: string): string {
  return `octoi-${id}`;
}

/** The systemd scope a host runs in when the machine's PID 1 is systemd. */
export function scopeUnitName(id: string, host: string): string {
  return `octoi-${id}-${host}.scope`;
}

interface LabPaths {
  dir: string;
  stateFile: string;
  inventory: string;
  knownHosts: string;
  privateKey: string;
  /** OpenSSH client config for the hop to the bastion (ProxyJump takes no -o options, only -F). */
  sshConfig: string;
  /** The sudo password of the user deploy-pw on every host. */
  sudoPassword: string;
  hostsDir: string;
}

export function labPaths(dir: string): LabPaths {
  const abs = resolve(dir);
  return {
    dir: abs,
    stateFile: join(abs, 'lab.json'),
    inventory: join(abs, 'inventory.yml'),
    knownHosts: join(abs, 'known_hosts'),
    privateKey: join(abs, 'id_ed25519'),
    sshConfig: join(abs, 'ssh_config'),
    sudoPassword: join(abs, 'sudo-password'),
    hostsDir: join(abs, 'hosts'),
  };
}

interface HostPaths {
  dir: string;
  upper: string;
  work: string;
  root: string;
  consoleLog: string;
  /** Written by host-init.sh: the host's cgroup2 directory. */
  cgroupFile: string;
}

export function hostPaths(labDir: string, host: string): HostPaths {
  const dir = join(labPaths(labDir).hostsDir, host);
  return {
    dir,
    upper: join(dir, 'upper'),
    work: join(dir, 'work'),
    root: join(dir, 'root'),
    consoleLog: join(dir, 'console.log'),
    cgroupFile: join(dir, 'cgroup'),
  };
}
