/** What an inventory says about reaching a host: Ansible's connection variables, unresolved. */
export interface InventoryConnection {
  /** The inventory host name. */
  name: string;
  /** `ansible_host` */
  host?: string;
  /** `ansible_port` */
  port?: number;
  /** `ansible_user` */
  user?: string;
  /** `ansible_ssh_private_key_file` */
  identityFile?: string;
  /** `-o Key=Value` options from `ansible_ssh_common_args` then `ansible_ssh_extra_args`, in order. */
  options: SshOption[];
  /** `ansible_become` */
  become?: boolean;
  /** `ansible_become_user`, default root. */
  becomeUser?: string;
  /** `octoi_become_password_env`: the environment variable holding the sudo password. */
  becomePasswordEnv?: string;
  /** `-F FILE` in the ssh arguments: the OpenSSH config file for this host and its jump hosts. */
  configFile?: string;
  /** Set when octoi will not reach this host (not an SSH connection type, a login password). */
  refusal?: ConnectionRefusal;
}

/** Why a host is not reached: the variable responsible, and what to do instead. */
export interface ConnectionRefusal {
  field: string;
  message: string;
  hint: string;
}

export interface SshOption {
  key: string;
  value: string;
}

export type StrictHostKeyChecking = 'yes' | 'accept-new' | 'no';

/** Everything needed to open one SSH connection, resolved the way OpenSSH resolves it. */
export interface SshTarget {
  /** The inventory host name (or the ProxyJump hop as written). */
  name: string;
  hostname: string;
  port: number;
  user: string;
  identityFiles: string[];
  identitiesOnly: boolean;
  /** UserKnownHostsFile: checked, and the first one is where `accept-new` records a new key. */
  knownHostsFiles: string[];
  /** GlobalKnownHostsFile: checked only. */
  globalKnownHostsFiles?: string[];
  strictHostKeyChecking: StrictHostKeyChecking;
  /** Name to look the host key up by, when not `[hostname]:port`. */
  hostKeyAlias?: string;
  /** Hops to go through first, outermost first (ProxyJump). */
  proxyJump: SshTarget[];
  connectTimeoutSeconds?: number;
}
