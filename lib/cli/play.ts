import { parseArgs } from 'node:util';
import { ExitCode } from '../exit-codes.js';
import { idempotence, planSummary } from '../run/results.js';
import { apply, plan } from '../api/run.js';
import { exitCodeOfPlan, exitCodeOfRun, reportError, usageError } from './exit.js';
import { commonOptions, readFleetInput, reportOptions, runFleetCommand, runViews } from './fleet-command.js';
import { fleetOptions, fleetSettings, ansibleConfigWarnings } from './targets.js';
import { loadAnsibleConfig } from '../config/ansible-cfg.js';

const playUsage = `usage: octoi play PLAYBOOK -i INVENTORY [options]

Converge every host the playbook targets: read facts, apply only what differs, verify.

options:
${commonOptions}
      --check              change nothing on any host; report what a run would do
      --diff               show a unified diff of every unit and script that changes
      --assert-idempotent  after the run, plan again and fail (exit 6) if anything would still change
      --no-rollback        keep the new files of a host whose change fails (for debugging)
      --rollback-window S  a host that changed puts its previous version back by itself unless the run
                           confirms within S seconds (default 300; 0: no such dead-man switch)`;

const planUsage = `usage: octoi plan PLAYBOOK -i INVENTORY [options]

Show what octoi play would change, with diffs, and group hosts with the same changes. Changes nothing.
Exit code 0 when every host is in sync, 6 when changes are pending.

options:
${commonOptions}`;

type Mode = 'play' | 'plan';

export function runPlayCommand(argv: string[]): Promise<number> {
  return runPlaybookCommand(argv, 'play');
}

export function runPlanCommand(argv: string[]): Promise<number> {
  return runPlaybookCommand(argv, 'plan');
}

async function runPlaybookCommand(argv: string[], mode: Mode): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...fleetOptions,
        ...reportOptions,
        ...(mode === 'play'
          ? {
              check: { type: 'boolean', default: false },
              diff: { type: 'boolean', default: false },
              'assert-idempotent': { type: 'boolean', default: false },
              'no-rollback': { type: 'boolean', default: false },
              'rollback-window': { type: 'string', default: '300' },
            }
          : {}),
      },
    });
    const usage = mode === 'play' ? playUsage : planUsage;
    if (values.help) {
      process.stdout.write(`${usage}\n`);
      return ExitCode.ok;
    }
    return await runFleetCommand(await runViews(values), async (command) => {
      const [playbookFile, ...extra] = positionals;
      if (!playbookFile || extra.length > 0) throw usageError(`octoi ${mode} takes exactly one playbook`, usage);
      const config = loadAnsibleConfig();
      command.warn(ansibleConfigWarnings(config));
      const settings = fleetSettings(values, config);
      const rollback = values['no-rollback'] === true ? null : { windowSeconds: rollbackWindow(String(values['rollback-window'] ?? '300')) };
      const { prepared, targets } = await readFleetInput(command, playbookFile, values, config, settings);
      const fleet = { ...prepared, targets };
      const { forks, lockWaitSeconds, commandTimeoutMs } = settings;
      const options = { forks, sessions: command.connect(targets, settings), onEvent: command.show, signal: command.signal, lockWaitSeconds, commandTimeoutMs };
      // The first run's time counts from the process's start, as the user waited for it.
      const first = { ...options, startedAt: performance.timeOrigin };
      const summary = mode === 'plan' ? await plan(fleet, first) : await apply(fleet, { ...first, check: values.check === true, diff: values.diff === true, rollback });
      if (mode === 'plan') {
        command.show(planSummary(summary.results));
        return exitCodeOfPlan(summary.results, summary.interrupted);
      }
      if (values['assert-idempotent'] && exitCodeOfRun(summary.results, summary.interrupted) === ExitCode.ok) {
        // Molecule's idempotence step, built in: a second pass over the same hosts must plan nothing.
        const second = await apply(fleet, { ...options, onEvent: () => {}, check: true, rollback });
        const verdict = idempotence(second.results);
        command.show(verdict);
        return verdict.drifting.length === 0 ? exitCodeOfRun(second.results, second.interrupted) : ExitCode.changesPending;
      }
      return exitCodeOfRun(summary.results, summary.interrupted);
    });
  } catch (error) {
    return reportError(error);
  }
}

function rollbackWindow(text: string): number | null {
  const seconds = Number(text);
  if (!Number.isInteger(seconds) || seconds < 0) throw usageError(`--rollback-window must be a whole number of seconds, not "${text}"`, 'for example --rollback-window 300, or 0 for no dead-man switch');
  return seconds === 0 ? null : seconds;
}
