import { parseArgs } from 'node:util';
import { loadPlaybook } from '../config/playbook.js';
import { ExitCode } from '../exit-codes.js';
import { loadInventory } from '../inventory/index.js';
import { formatFleetGroups, groupFleet } from '../plan/change-summary.js';
import { EventsFileView } from '../report/events-view.js';
import { JsonFileView } from '../report/json.js';
import { JunitFileView } from '../report/junit-view.js';
import { PlainView } from '../report/plain-view.js';
import { ProgressView } from '../report/progress-view.js';
import { broadcast, type View } from '../report/view.js';
import { runPlaybook, targetPlays, type PlayTarget, type RunSummary } from '../run/run-playbook.js';
import { changedHosts } from '../run/results.js';
import { SessionPool } from '../run/session-pool.js';
import { parseShard, shardPlays } from '../run/shard.js';
import { exitCodeOfRun, reportError, usageError } from './exit.js';
import { onInterrupt, positiveInteger, resolveTargets } from './targets.js';

const commonOptions = `  -i, --inventory FILE     inventory file or directory (repeatable; sources merge)
  -l, --limit PATTERN      only hosts that also match PATTERN (repeatable; @FILE reads patterns)
  -f, --forks N            hosts worked on at once (default 50)
      --json FILE          write the result document to FILE
      --events FILE        write one JSON line per event as the run goes
      --junit FILE         write a JUnit report: one testcase per host and service
  -F, --ssh-config FILE    OpenSSH client config (default ~/.ssh/config when it exists)
      --accept-new         trust a host key seen for the first time and record it (a changed key still fails)
      --connect-timeout S  seconds to connect and log in (default 15)
      --command-timeout S  seconds a remote command may take (default 120)
      --shard K/N          only the K-th of N deterministic parts of the targeted hosts (for CI matrices)
      --plain              line output even on a terminal (the default when not a terminal)`;

export const playUsage = `usage: octoi play PLAYBOOK -i INVENTORY [options]

Converge every host the playbook targets: read facts, apply only what differs, verify.

options:
${commonOptions}
      --check              change nothing on any host; report what a run would do
      --diff               show a unified diff of every unit and script that changes
      --assert-idempotent  after the run, plan again and fail (exit 6) if anything would still change`;

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
        inventory: { type: 'string', short: 'i', multiple: true },
        limit: { type: 'string', short: 'l', multiple: true },
        forks: { type: 'string', short: 'f', default: '50' },
        json: { type: 'string' },
        events: { type: 'string' },
        junit: { type: 'string' },
        'ssh-config': { type: 'string', short: 'F' },
        'accept-new': { type: 'boolean', default: false },
        'connect-timeout': { type: 'string', default: '15' },
        'command-timeout': { type: 'string', default: '120' },
        shard: { type: 'string' },
        plain: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        ...(mode === 'play'
          ? {
              check: { type: 'boolean', default: false },
              diff: { type: 'boolean', default: false },
              'assert-idempotent': { type: 'boolean', default: false },
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
    if (!values.inventory?.length) throw usageError('no inventory given', 'pass -i INVENTORY (for the lab: -i .lab/inventory.yml)');
    const forks = positiveInteger(values.forks, '--forks');
    const connectTimeoutMs = positiveInteger(values['connect-timeout'], '--connect-timeout') * 1000;
    const commandTimeoutMs = positiveInteger(values['command-timeout'], '--command-timeout') * 1000;
    const check = mode === 'plan' || values.check === true;
    const diff = mode === 'plan' || values.diff === true;

    // Everything is read and checked before any host is contacted.
    const [playbook, inventory] = await Promise.all([loadPlaybook(playbookFile), loadInventory(values.inventory)]);
    const targeted = targetPlays(playbook, inventory, values.limit ?? []);
    const plays = values.shard ? shardPlays(targeted, parseShard(values.shard)) : targeted;
    const hosts = [...new Set(plays.flatMap((target) => target.hosts))];
    const targets = await resolveTargets(inventory, hosts, values['ssh-config'], values['accept-new']);

    const views: View[] = [values.plain || !process.stdout.isTTY ? new PlainView(process.stdout) : new ProgressView(process.stdout)];
    if (values.json) views.push(new JsonFileView(values.json));
    if (values.events) views.push(new EventsFileView(values.events));
    if (values.junit) views.push(new JunitFileView(values.junit, servicesByHost(plays)));
    const sessions = new SessionPool(targets, { connectTimeoutMs, commandTimeoutMs });
    const interruption = onInterrupt(() => sessions.closeAll());
    try {
      const run = (runCheck: boolean, runDiff: boolean, onEvent: (event: Parameters<View['onEvent']>[0]) => void) =>
        runPlaybook({ playbookFile: playbook.file, plays, forks, check: runCheck, diff: runDiff, sessions, onEvent, signal: interruption.signal });
      const summary = await run(check, diff, broadcast(views));
      await Promise.all(views.map((view) => view.close()));
      if (mode === 'plan') return reportPlan(summary);
      if (values['assert-idempotent'] && exitCodeOfRun(summary.results, summary.interrupted) === ExitCode.ok) {
        return assertIdempotent(await run(true, false, () => {}));
      }
      return exitCodeOfRun(summary.results, summary.interrupted);
    } finally {
      interruption.dispose();
      await sessions.closeAll();
    }
  } catch (error) {
    return reportError(error);
  }
}

/** The fleet summary of `octoi plan` and its exit code: drift is not an error, but CI must see it. */
function reportPlan(summary: RunSummary): number {
  const reachable = summary.results.filter((result) => result.status === 'ok' || result.status === 'changed');
  process.stdout.write(['PLAN', ...formatFleetGroups(groupFleet(reachable.map(({ host, changes }) => ({ host, phrases: changes })))).map((line) => `  ${line}`)].join('\n') + '\n');
  const failures = exitCodeOfRun(summary.results, summary.interrupted);
  if (failures !== ExitCode.ok) return failures;
  return changedHosts(summary.results).length > 0 ? ExitCode.changesPending : ExitCode.ok;
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

function servicesByHost(plays: readonly PlayTarget[]): (host: string) => string[] {
  return (host) => [...new Set(plays.filter((target) => target.hosts.includes(host)).flatMap((target) => target.play.services.map((service) => service.name)))];
}
