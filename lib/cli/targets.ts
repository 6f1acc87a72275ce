import { loadAnsibleConfig, type AnsibleConfig } from '../config/ansible-cfg.js';
import { formatDiagnostic, type Diagnostic } from '../diagnostics.js';
import type { VaultPasswordOptions } from '../source/vault.js';
import { usageError } from './exit.js';

/** The options of every command that reaches hosts, for `parseArgs`. */
export const fleetOptions = {
  inventory: { type: 'string', short: 'i', multiple: true },
  limit: { type: 'string', short: 'l', multiple: true },
  forks: { type: 'string', short: 'f' },
  json: { type: 'string' },
  'extra-vars': { type: 'string', short: 'e', multiple: true },
  'vault-password-file': { type: 'string', multiple: true },
  'vault-id': { type: 'string', multiple: true },
  'ssh-config': { type: 'string', short: 'F' },
  'accept-new': { type: 'boolean', default: false },
  'connect-timeout': { type: 'string', default: '15' },
  'command-timeout': { type: 'string', default: '120' },
  'lock-timeout': { type: 'string', default: '30' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export const vaultOptionsUsage = `      --vault-password-file FILE  password for !vault values and vaulted files: the file's text,
                           or what FILE prints when it is executable (repeatable)
      --vault-id [LABEL@]FILE  the same, for vaults made with that vault id (repeatable)`;

export const fleetOptionsUsage = `  -i, --inventory FILE     inventory file, directory or script (repeatable; sources merge; default:
                           ansible.cfg's inventory)
  -l, --limit PATTERN      only hosts that also match PATTERN (repeatable; @FILE reads patterns)
  -e, --extra-vars VARS    variables for {{ }}: NAME=VALUE, '{"NAME": VALUE}' or @FILE (repeatable; later wins)
${vaultOptionsUsage}
  -f, --forks N            hosts worked on at once (default: ansible.cfg's forks, else 50)
  -F, --ssh-config FILE    OpenSSH client config (default ~/.ssh/config when it exists)
      --accept-new         trust a host key seen for the first time and record it (a changed key still fails)
      --connect-timeout S  seconds to connect and log in (default 15)
      --command-timeout S  seconds a remote command may take (default 120)
      --lock-timeout S     seconds to wait while another octoi run holds a host (default 30)`;

export interface FleetSettings {
  inventories: string[];
  limit: string[];
  forks: number;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  lockWaitSeconds: number;
  vault: VaultPasswordOptions;
}

/** Checks the parsed fleet options, ansible.cfg filling in what they leave out; throws invalid-input naming the option. */
export function fleetSettings(values: {
  inventory?: string[] | undefined;
  limit?: string[] | undefined;
  forks?: string | undefined;
  'connect-timeout': string;
  'command-timeout': string;
  'lock-timeout': string;
  'vault-password-file'?: string[] | undefined;
  'vault-id'?: string[] | undefined;
}, config: AnsibleConfig): FleetSettings {
  const inventories = values.inventory?.length ? values.inventory : (config.settings.get('inventory')?.value as string[] | undefined);
  if (!inventories?.length) throw usageError('no inventory given', 'pass -i INVENTORY (for the lab: -i .lab/inventory.yml), or set inventory in the [defaults] of ansible.cfg');
  const forks = values.forks ?? config.settings.get('forks')?.value;
  return {
    inventories,
    limit: values.limit ?? [],
    forks: positiveInteger(String(forks ?? 50), values.forks === undefined && forks !== undefined ? 'forks in ansible.cfg' : '--forks'),
    connectTimeoutMs: positiveInteger(values['connect-timeout'], '--connect-timeout') * 1000,
    commandTimeoutMs: positiveInteger(values['command-timeout'], '--command-timeout') * 1000,
    lockWaitSeconds: positiveInteger(values['lock-timeout'], '--lock-timeout'),
    vault: vaultPasswordOptions(values, config),
  };
}

/** The command line's vault passwords, then ansible.cfg's vault_password_file, as Ansible adds it. */
export function vaultPasswordOptions(values: { 'vault-password-file'?: string[] | undefined; 'vault-id'?: string[] | undefined }, config: AnsibleConfig): VaultPasswordOptions {
  const configured = config.settings.get('vault_password_file')?.value;
  return { passwordFiles: [...(values['vault-password-file'] ?? []), ...(typeof configured === 'string' ? [configured] : [])], vaultIds: values['vault-id'] ?? [] };
}

/**
 * ansible.cfg, with its warnings and the settings octoi ignores written once to `stderr`: for the
 * commands without views (config, inventory). `host_key_checking = False` becomes accept-new.
 */
export function readAnsibleConfig(stderr: NodeJS.WritableStream): AnsibleConfig {
  const config = loadAnsibleConfig();
  for (const warning of ansibleConfigWarnings(config)) stderr.write(`${formatDiagnostic(warning)}\n`);
  return config;
}

/** What ansible.cfg's reading warns about, the settings octoi ignores among it. */
export function ansibleConfigWarnings(config: AnsibleConfig): Diagnostic[] {
  const ignored: Diagnostic[] = config.file && config.ignored.length > 0 ? [{ severity: 'warning', message: `${config.file.path}: octoi ignores ${config.ignored.join(', ')}` }] : [];
  return [...config.warnings, ...ignored];
}

function positiveInteger(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw usageError(`${option} must be a whole number of at least 1, not "${text}"`, `for example ${option} 10`);
  return value;
}
