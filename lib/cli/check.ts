import { parseArgs } from 'node:util';
import { servicesOf, type DesiredState } from '../desired/host-services.js';
import { ExitCode } from '../exit-codes.js';
import { runPlaybook, type PlayTarget } from '../run/run-playbook.js';
import { exitCodeOfRun, reportError, usageError } from './exit.js';
import { commonOptions, readFleetInput, reportOptions, runFleetCommand, runViews } from './fleet-command.js';
import { fleetOptions, fleetSettings, ansibleConfigWarnings } from './targets.js';
import { loadAnsibleConfig } from '../config/ansible-cfg.js';

const checkUsage = `usage: octoi check PLAYBOOK -i INVENTORY [options]

Run only the services' checks: on each targeted host, read which addresses systemd listens on
(one remote command), then connect to each address through the host's SSH connection, send the
check's text and wait for its answer. Changes nothing and takes no lock: for monitoring and CI.
Every targeted host is checked at once (up to --forks); serial and failure budgets do not apply.

exit codes: 0 every check answered, 2 a check failed (or a host's state could not be read),
3 a host was unreachable, 4 invalid input or no service declares a check, 5 no host matched,
130 interrupted

options:
${commonOptions}`;

export async function runCheckCommand(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { ...fleetOptions, ...reportOptions } });
    if (values.help) {
      process.stdout.write(`${checkUsage}\n`);
      return ExitCode.ok;
    }
    return await runFleetCommand(await runViews(values), async (command) => {
      const [playbookFile, ...extra] = positionals;
      if (!playbookFile || extra.length > 0) throw usageError('octoi check takes exactly one playbook', checkUsage);
      const config = loadAnsibleConfig();
      command.warn(ansibleConfigWarnings(config));
      const settings = fleetSettings(values, config);
      const { prepared, targets } = await readFleetInput(command, playbookFile, values, config, settings);
      if (!declaresCheck(prepared.plays, prepared.desired)) {
        throw usageError(`no service of ${playbookFile} declares a check for the targeted hosts`, 'add e.g. `check: { expect: "Hello World" }` to a service');
      }
      const sessions = command.connect(targets, settings);
      // A check changes nothing: no host waits for a canary, and there is nothing to roll back.
      const plays = prepared.plays.map(({ play: { serial: _serial, maxFailPercentage: _batch, maxFailures: _run, ...play }, hosts }) => ({ play, hosts }));
      const summary = await runPlaybook({
        command: 'check', runId: prepared.runId, shard: prepared.shard, playbookFile: prepared.playbook.file, plays, desired: prepared.desired,
        forks: settings.forks, check: false, checksOnly: true, diff: false, sessions, onEvent: command.show, signal: command.signal,
        lockWaitSeconds: settings.lockWaitSeconds, commandTimeoutMs: settings.commandTimeoutMs, rollback: null, startedAt: performance.timeOrigin,
      });
      return exitCodeOfRun(summary.results, summary.interrupted);
    });
  } catch (error) {
    return reportError(error);
  }
}

function declaresCheck(plays: readonly PlayTarget[], desired: DesiredState): boolean {
  return plays.some((target, index) => target.hosts.some((host) => servicesOf(desired, index, host).some((service) => service.check !== undefined)));
}
