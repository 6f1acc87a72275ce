import { existsSync } from 'node:fs';
import { connectionDefaults, type AnsibleConfig } from '../config/ansible-cfg.js';
import { OctoiError, type Diagnostic } from '../diagnostics.js';
import { becomeOptions, inventoryConnection } from '../inventory/connection.js';
import type { Inventory } from '../inventory/index.js';
import { selectHosts } from '../inventory/pattern.js';
import { resolveSshTarget, SshConfigCache } from '../ssh/ssh-config.js';
import type { ConnectionRefusal, InventoryConnection } from '../ssh/types.js';
import type { HostTarget } from './session-pool.js';

/** Each host to reach, in inventory order, with how to reach it (or why octoi will not). */
export type Targets = ReadonlyMap<string, HostTarget>;

export interface TargetOptions {
  /** Narrows a host pattern, as `--limit` does (repeatable patterns, `@FILE`). */
  limit?: readonly string[];
  /** OpenSSH client config for hosts whose inventory names none (`-F`); default ~/.ssh/config when it exists. */
  sshConfig?: string | undefined;
  /** Trust a host key seen for the first time and record it, jump hosts included (a changed key still fails). */
  acceptNew?: boolean;
  /** ansible.cfg: its connection settings (remote_user, ...) under the inventory's, and `host_key_checking = False` as accept-new. */
  ansibleConfig?: AnsibleConfig;
  /** Where become passwords are read from (`ANSIBLE_BECOME_PASSWORD`); default the process's environment. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The hosts of `hosts` (a host pattern, or host names as they are) with everything a connection
 * needs, resolved before connecting: inventory connection variables, ssh_config (the inventory's
 * `-F` before `sshConfig`, as ssh takes the last one), jump hosts and become. Each ssh_config file
 * is parsed once for all hosts. Every host's problems are reported at once
 * (`OctoiError('invalid-input')`); a host octoi will not reach (another connection type, a login
 * password, a key file that is not there) is refused on its own and the others go on.
 */
export async function resolveTargets(inventory: Inventory, hosts: string | readonly string[], options: TargetOptions = {}): Promise<Map<string, HostTarget>> {
  const names = typeof hosts === 'string' ? selectHosts(inventory, hosts, options.limit) : hosts;
  const config = options.ansibleConfig;
  const acceptNew = options.acceptNew === true || config?.settings.get('host_key_checking')?.value === false;
  const connectionOptions = config ? { defaults: connectionDefaults(config) } : {};
  const targets = new Map<string, HostTarget>();
  const problems: Diagnostic[] = [];
  const cache = new SshConfigCache();
  for (const host of names) {
    let connection;
    try {
      connection = inventoryConnection(inventory, host, connectionOptions);
    } catch (error) {
      if (!(error instanceof OctoiError)) throw error;
      problems.push(...error.diagnostics);
      continue;
    }
    const refusal = connection.refusal ?? missingKeyFile(connection);
    if (refusal) {
      targets.set(host, { refusal });
      continue;
    }
    const ssh = await resolveSshTarget(connection, { configFile: connection.configFile ?? options.sshConfig, cache });
    for (const hop of [ssh, ...ssh.proxyJump]) {
      if (acceptNew && hop.strictHostKeyChecking === 'yes') hop.strictHostKeyChecking = 'accept-new';
    }
    const become = becomeOptions(connection, options.env ?? process.env);
    targets.set(host, become === undefined ? { ssh } : { ssh, become });
  }
  if (problems.length > 0) throw new OctoiError('invalid-input', problems);
  return targets;
}

/** ssh only warns about a missing `-i` key and tries others; a key the inventory names must be there. */
function missingKeyFile(connection: InventoryConnection): ConnectionRefusal | undefined {
  if (connection.identityFile === undefined || existsSync(connection.identityFile)) return undefined;
  return {
    field: 'ansible_ssh_private_key_file',
    message: `the private key file ${connection.identityFile} (ansible_ssh_private_key_file) does not exist`,
    hint: 'correct the path (a relative one starts in the folder octoi runs in), or remove the variable to use ssh_config and the ssh-agent',
  };
}
