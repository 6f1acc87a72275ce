import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '../exit-codes.js';
import { packageRoot } from '../paths.js';

const usage = `usage: octoi COMMAND [ARGS]

commands:
  play PLAYBOOK -i INVENTORY   converge the hosts a playbook targets (octoi play --help)
  plan PLAYBOOK -i INVENTORY   show what play would change, grouped over the fleet (exit 6: drift)
  check PLAYBOOK -i INVENTORY  run only the services' checks: does each answer? (exit 2: one does not)
  status -i INVENTORY [PB]     per host and service: enabled, active, listening, connection counters
  report merge REPORT.json...  join the --json reports of a --shard K/N matrix into one run's (octoi report --help)
  inventory -i INVENTORY ...   show an inventory: --list, --graph, --host H, --list-hosts PATTERN
  config                       the ansible.cfg settings octoi uses, and where each comes from
  lab up|down|status|inventory local test hosts with real systemd and sshd (needs root)
  help, --help                 this text
  version, --version           the version

exit codes:
  0    success: every host ok or changed
  1    internal error (a bug in octoi)
  2    one or more hosts failed (an action, its verification or a check); the others ran to the end
  3    one or more hosts were unreachable (connect, host key, login), none failed
  4    invalid input (playbook, inventory, options, reports that cannot be merged); no host was contacted
  5    the host pattern matched no host
  6    changes pending (octoi plan found drift)
  7    the lab could not be started or stopped
  130  interrupted (SIGINT or SIGTERM); the recap says what was done`;

type Command = (argv: string[]) => Promise<number>;

// Loaded on demand: a run pays only for the modules of its own command.
const commands: Record<string, () => Promise<Command>> = {
  play: async () => (await import('./play.js')).runPlayCommand,
  plan: async () => (await import('./play.js')).runPlanCommand,
  check: async () => (await import('./check.js')).runCheckCommand,
  status: async () => (await import('./status.js')).runStatusCommand,
  report: async () => (await import('./report.js')).runReportCommand,
  inventory: async () => (await import('./inventory.js')).runInventoryCommand,
  config: async () => (await import('./config.js')).runConfigCommand,
  lab: async () => (await import('./lab.js')).runLabCommand,
};

/**
 * A reader that goes away (`octoi play ... | head`) must not cut a fleet run short and leave hosts
 * half-applied: the rest of that output is dropped and the run goes on to its end and exit code.
 */
function dropOutputWhenReaderLeaves(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

export async function main(argv: string[]): Promise<number> {
  dropOutputWhenReaderLeaves(process.stdout);
  dropOutputWhenReaderLeaves(process.stderr);
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${usage}\n`);
    return command === undefined ? ExitCode.invalidInput : ExitCode.ok;
  }
  if (command === 'version' || command === '--version') {
    const { version } = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
    process.stdout.write(`octoi ${version}\n`);
    return ExitCode.ok;
  }
  const load = commands[command];
  if (!load) {
    process.stderr.write(`octoi: unknown command "${command}"\n\n${usage}\n`);
    return ExitCode.invalidInput;
  }
  return (await load())(rest);
}
