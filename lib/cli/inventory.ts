import { parseArgs } from 'node:util';
import { formatDiagnostic } from '../diagnostics.js';
import { ExitCode } from '../exit-codes.js';
import { ansibleJson, inventoryGraph, inventoryListJson, loadInventory, selectHosts } from '../inventory/index.js';
import { loadVaultKeyring } from '../source/vault.js';
import { reportError, usageError } from './exit.js';
import { fleetOptions, readAnsibleConfig, vaultOptionsUsage, vaultPasswordOptions } from './targets.js';

const usage = `usage: octoi inventory -i INVENTORY [-i INVENTORY...] ACTION

Shows an inventory (YAML, INI, a directory of them, or "host1,host2,") as octoi and Ansible read it.

actions (one of):
  --list                     all groups and host variables, the JSON of ansible-inventory --list
  --graph [GROUP]            the group tree, as ansible-inventory --graph
  --host HOST                the variables of one host, as ansible-inventory --host
                             (with --vars-origin: each as {"value", "origin"}, the origin being the
                             vars file, or "inventory group G" / "inventory host H")
  --list-hosts PATTERN       the hosts a pattern selects, one per line, in Ansible's order
                             (ansible PATTERN --list-hosts without its header and indentation)

options:
  -i, --inventory INVENTORY  an inventory source; several merge in order (default: ansible.cfg's inventory)
  -l, --limit PATTERN        with --list-hosts: keep only hosts this pattern (or @FILE) also selects
      --playbook-dir DIR     also read DIR/group_vars and DIR/host_vars, as a playbook in DIR does
      --vars-origin          with --host: say where each variable comes from
${vaultOptionsUsage}
  -h, --help                 this text

exit codes: 0 ok, 4 invalid inventory or options, 5 the pattern matched no host`;

export async function runInventoryCommand(argv: string[], stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr): Promise<number> {
  try {
    const { values, positionals } = parseOptions(argv);
    if (values.help) {
      stdout.write(`${usage}\n`);
      return ExitCode.ok;
    }
    const actions = (['list', 'graph', 'host', 'list-hosts'] as const).filter((name) => values[name] !== undefined && values[name] !== false);
    if (actions.length !== 1) throw usageError('give exactly one of --list, --graph, --host or --list-hosts', usage);
    if (positionals.length > (values.graph ? 1 : 0)) throw usageError(`unexpected argument "${positionals.at(-1)}"`, 'only --graph takes a group name after it');
    if (values.limit && values['list-hosts'] === undefined) throw usageError('--limit works with --list-hosts only', 'octoi inventory -i INV --list-hosts PATTERN --limit PATTERN');
    if (values['vars-origin'] && values.host === undefined) throw usageError('--vars-origin works with --host only', 'octoi inventory -i INV --host HOST --vars-origin');
    const config = readAnsibleConfig(stderr);
    const sources = values.inventory?.length ? values.inventory : ((config.settings.get('inventory')?.value as string[] | undefined) ?? []);
    const inventory = await loadInventory(sources, { playbookDir: values['playbook-dir'], vault: await loadVaultKeyring(vaultPasswordOptions(values, config)) });
    for (const warning of inventory.warnings) stderr.write(`${formatDiagnostic(warning)}\n`);
    stdout.write(`${render(inventory, values, positionals[0])}\n`);
    return ExitCode.ok;
  } catch (error) {
    return reportError(error, stderr);
  }
}

type Options = ReturnType<typeof parseOptions>['values'];

function render(inventory: Awaited<ReturnType<typeof loadInventory>>, values: Options, group: string | undefined): string {
  if (values.list) return ansibleJson(inventoryListJson(inventory));
  if (values.graph) return inventoryGraph(inventory, group);
  if (values.host !== undefined) {
    const hosts = selectHosts(inventory, values.host);
    if (hosts.length !== 1) throw usageError(`--host needs a pattern that selects one host; "${values.host}" selects ${hosts.length}`, 'name a single host');
    const host = hosts[0] as string;
    return ansibleJson(values['vars-origin'] ? inventory.hostVarsOrigins(host) : inventory.hostVars(host));
  }
  return selectHosts(inventory, values['list-hosts'] as string, values.limit ?? []).join('\n');
}

function parseOptions(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        inventory: { type: 'string', short: 'i', multiple: true },
        list: { type: 'boolean' },
        graph: { type: 'boolean' },
        host: { type: 'string' },
        'list-hosts': { type: 'string' },
        limit: { type: 'string', short: 'l', multiple: true },
        'playbook-dir': { type: 'string' },
        'vars-origin': { type: 'boolean' },
        'vault-password-file': fleetOptions['vault-password-file'],
        'vault-id': fleetOptions['vault-id'],
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw usageError((error as Error).message, 'see: octoi inventory --help');
  }
}
