import { parseArgs } from 'node:util';
import { servicesOf, type DesiredState } from '../desired/host-services.js';
import { ExitCode } from '../exit-codes.js';
import { formatFleetGroups, groupFleet } from '../plan/change-summary.js';
import { EventsFileView } from '../report/events-view.js';
import { JsonFileView, type ReportedCommand } from '../report/json.js';
import { JunitFileView } from '../report/junit-view.js';
import { PlainView } from '../report/plain-view.js';
import { broadcast, type View } from '../report/view.js';
import { prepareRun, type PreparedRun } from '../run/prepare.js';
import { refuseSshPortListeners } from '../run/ssh-port-guard.js';
import { runPlaybook, type PlayTarget, type RunSummary } from '../run/run-playbook.js';
import { changedHosts } from '../run/results.js';
import type { HostResult } from '../run/types.js';
import { formatExposure } from '../status/table.js';
import { SessionPool } from '../run/session-pool.js';
import { exitCodeOfPlan, exitCodeOfRun, reportError, usageError } from './exit.js';
import { configuredConnections, fleetOptions, fleetOptionsUsage, fleetSettings, onInterrupt, readAnsibleConfig, resolveTargets } from './targets.js';

export const reportOptions = {
  events: { type: 'string' },
  junit: { type: 'string' },
  shard: { type: 'string' },
  plain: { type: 'boolean', default: false },
} as const;

export const commonOptions = `${fleetOptionsUsage}
      --json FILE          write the result document to FILE
      --events FILE        write one JSON line per event as the run goes
      --junit FILE         write a JUnit report: one testcase per host and service
      --shard K/N          only the K-th of N deterministic parts of the targeted hosts (for CI matrices)
      --plain              line output even on a terminal (the default when not a terminal)`;

export const playUsage = `usage: octoi play PLAYBOOK -i INVENTORY [options]

Converge every host the playbook targets: read facts, apply only what differs, verify.

options:
${commonOptions}
      --check              change nothing on any host; report what a run would do
      --diff               show a unified diff of every unit and script that changes
      --assert-idempotent  after the run, plan again and fail (exit 6) if anything would still change
      --no-rollback        keep the new files of a host whose change fails (for debugging)
      --rollback-window S  a host that changed puts its previous version back by itself unless the run
                           confirms within S seconds (default 300; 0: no such dead-man switch)`;

export const planUsage = `usage: octoi plan PLAYBOOK -i INVENTORY [options]

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
    const [playbookFile, ...extra] = positionals;
    if (!playbookFile || extra.length > 0) throw usageError(`octoi ${mode} takes exactly one playbook`, usage);
    const config = readAnsibleConfig();
    const { inventories, limit, forks, connectTimeoutMs, commandTimeoutMs, lockWaitSeconds, vault } = fleetSettings(values, config);
    const check = mode === 'plan' || values.check === true;
    const diff = mode === 'plan' || values.diff === true;
    const rollback = values['no-rollback'] === true ? null : { windowSeconds: rollbackWindow(String(values['rollback-window'] ?? '300')) };

    // Taken from the start: an interrupt while the input is read still ends in a recap and reports.
    let sessions: SessionPool | undefined;
    const interruption = onInterrupt(async () => sessions?.closeAll());
    try {
      const prepared = await prepareRun({
        playbookFile,
        inventories,
        limit,
        extraVars: values['extra-vars'] ?? [],
        shard: values.shard,
        vault,
      });
      const { playbook, inventory, plays, desired, hosts } = prepared;
      const connections = configuredConnections(config, values['accept-new']);
      const targets = await resolveTargets(inventory, hosts, values['ssh-config'], connections.acceptNew, connections.options);
      refuseSshPortListeners(desired, targets);

      const views = await reportViews(values, mode, prepared);
      const pool = new SessionPool(targets, { connectTimeoutMs, commandTimeoutMs });
      sessions = pool;
      const run = (runCheck: boolean, runDiff: boolean, onEvent: (event: Parameters<View['onEvent']>[0]) => void, exposure = false) =>
        runPlaybook({ playbookFile: playbook.file, plays, desired, forks, check: runCheck, diff: runDiff, exposure, sessions: pool, onEvent, signal: interruption.signal, lockWaitSeconds, commandTimeoutMs, rollback });
      const summary = await run(check, diff, broadcast(views), mode === 'plan');
      await Promise.all(views.map((view) => view.close()));
      if (mode === 'plan') return reportPlan(summary);
      if (values['assert-idempotent'] && exitCodeOfRun(summary.results, summary.interrupted) === ExitCode.ok) {
        return assertIdempotent(await run(true, false, () => {}));
      }
      return exitCodeOfRun(summary.results, summary.interrupted);
    } finally {
      interruption.dispose();
      await sessions?.closeAll();
    }
  } catch (error) {
    return reportError(error);
  }
}

function rollbackWindow(text: string): number | null {
  const seconds = Number(text);
  if (!Number.isInteger(seconds) || seconds < 0) throw usageError(`--rollback-window must be a whole number of seconds, not "${text}"`, 'for example --rollback-window 300, or 0 for no dead-man switch');
  return seconds === 0 ? null : seconds;
}

/** The fleet summary of `octoi plan` and its exit code: drift is not an error, but CI must see it. */
function reportPlan(summary: RunSummary): number {
  const reachable = summary.results.filter((result) => result.status === 'ok' || result.status === 'changed');
  process.stdout.write(['PLAN', ...formatFleetGroups(groupFleet(reachable.map(({ host, changes }) => ({ host, phrases: changes })))).map((line) => `  ${line}`)].join('\n') + '\n');
  const scored = reachable.filter((result) => Object.keys(result.exposure ?? {}).length > 0);
  if (scored.length > 0) {
    const phrases = ({ host, exposure }: HostResult) => ({ host, phrases: Object.entries(exposure ?? {}).map(([service, score]) => `${service} ${formatExposure(score)}`) });
    process.stdout.write(['EXPOSURE (systemd-analyze security, as the hosts run the services now)', ...formatFleetGroups(groupFleet(scored.map(phrases))).map((line) => `  ${line}`)].join('\n') + '\n');
  }
  return exitCodeOfPlan(summary.results, summary.interrupted);
}

/** Molecule's idempotence step, built in: a second pass over the same hosts must plan nothing. */
function assertIdempotent(second: RunSummary): number {
  const drifting = changedHosts(second.results);
  if (drifting.length === 0) {
    process.stdout.write('idempotent: a second pass would change nothing\n');
    return exitCodeOfRun(second.results, second.interrupted);
  }
  const lines = drifting.map((result) => `  ${result.host}: ${result.changes.join('; ') || result.actions.map((record) => record.description).join('; ')}`);
  process.stderr.write(['not idempotent: a second pass would still change', ...lines].join('\n') + '\n');
  return ExitCode.changesPending;
}

/** The terminal or plain lines, and the report files asked for. */
export async function reportViews(
  values: { plain: boolean; json?: string | undefined; events?: string | undefined; junit?: string | undefined },
  command: ReportedCommand,
  { plays, desired, runId, shard }: Pick<PreparedRun, 'plays' | 'desired' | 'runId' | 'shard'>,
): Promise<View[]> {
  // listr2 is loaded only for a terminal
  const views: View[] = [values.plain || !process.stdout.isTTY ? new PlainView(process.stdout) : new (await import('../report/progress-view.js')).ProgressView(process.stdout)];
  const servicesOf = servicesByHost(plays, desired);
  if (values.json) views.push(new JsonFileView(values.json, { command, runId, ...(shard ? { shard } : {}), servicesOf }));
  if (values.events) views.push(new EventsFileView(values.events));
  if (values.junit) views.push(new JunitFileView(values.junit, servicesOf));
  return views;
}

function servicesByHost(plays: readonly PlayTarget[], desired: DesiredState): (host: string) => string[] {
  return (host) => [...new Set(plays.flatMap((target, index) => (target.hosts.includes(host) ? servicesOf(desired, index, host).map((service) => service.name) : [])))];
}
