import { parseArgs } from 'node:util';
import { SETTING_NAMES, type SettingName, type SettingValue } from '../config/ansible-cfg.js';
import { ExitCode } from '../exit-codes.js';
import { reportError, usageError } from './exit.js';
import { readAnsibleConfig } from './targets.js';

const usage = `usage: octoi config

Shows the ansible.cfg octoi reads (ANSIBLE_CONFIG, ./ansible.cfg, ~/.ansible.cfg,
/etc/ansible/ansible.cfg: the first that exists), each setting octoi takes from it with its value
and where it comes from, and (as a warning) the settings of the file octoi ignores.
Command-line options win over ansible.cfg; inventory variables win over its connection settings.`;

/** What a setting is when ansible.cfg does not set it. */
const defaults: Partial<Record<SettingName, string>> = {
  forks: '50',
  host_key_checking: 'True',
  transport: 'ssh',
  become: 'False',
  become_user: 'root',
  become_method: 'sudo',
};

export async function runConfigCommand(argv: string[], stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr): Promise<number> {
  try {
    let help: boolean | undefined;
    try {
      ({ values: { help } } = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' } } }));
    } catch (error) {
      throw usageError((error as Error).message, usage);
    }
    if (help) {
      stdout.write(`${usage}\n`);
      return ExitCode.ok;
    }
    const config = readAnsibleConfig(stderr);
    const rows = SETTING_NAMES.map((name) => {
      const setting = config.settings.get(name);
      if (setting) return [name, formatValue(setting.value), setting.origin];
      const fallback = defaults[name];
      return fallback === undefined ? [name, '-', 'not set'] : [name, fallback, 'default'];
    });
    const widths = [0, 1].map((column) => Math.max(...[['SETTING', 'VALUE'], ...rows].map((row) => (row[column] as string).length)));
    const lines = [
      `ansible.cfg: ${config.file ? `${config.file.path} (from ${config.file.foundBy})` : 'none found'}`,
      ...[['SETTING', 'VALUE', 'FROM'], ...rows].map(([name, value, origin]) => `${(name as string).padEnd(widths[0] as number)}  ${(value as string).padEnd(widths[1] as number)}  ${origin}`.trimEnd()),
    ];
    stdout.write(`${lines.join('\n')}\n`);
    return ExitCode.ok;
  } catch (error) {
    return reportError(error, stderr);
  }
}

/** As Ansible writes values: True/False, lists comma-separated. */
function formatValue(value: SettingValue): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return Array.isArray(value) ? value.join(',') : String(value);
}
