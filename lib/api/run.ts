import { randomUUID } from 'node:crypto';
import type { Playbook } from '../config/types.js';
import { desiredStateByHost, type DesiredState } from '../desired/host-services.js';
import type { Inventory } from '../inventory/index.js';
import { selectPlays } from '../run/prepare.js';
import { changedHosts } from '../run/results.js';
import { runPlaybook, type PlayTarget, type RunSummary } from '../run/run-playbook.js';
import { refuseSshPortListeners } from '../run/ssh-port-guard.js';
import type { Targets } from '../run/targets.js';
import type { HostResult, ReportedCommand, RunEventListener, Shard } from '../run/types.js';
import type { Variables } from '../template/variables.js';
import { commandTimeoutOf, DEFAULT_FORKS, ignoreEvents, withSessions, type ReachOptions } from './sessions.js';

/** What a run works on: a playbook, the inventory its patterns are matched in, and the hosts to reach. */
export interface Fleet {
  playbook: Playbook;
  inventory: Inventory;
  /** `resolveTargets`' answer: only these hosts are worked on; a play's other hosts are left out, as `--limit` leaves them. */
  targets: Targets;
  /** Extra vars (`-e`, from `readExtraVars`): above every other variable. */
  extraVars?: Variables;
}

export interface RunOptions extends ReachOptions {
  /** Every event of the run, as the views read them (`PlainView`, `jsonReport`, ...). */
  onEvent?: RunEventListener;
  /** How long a host held by another octoi run is waited for (default 30 s). */
  lockWaitSeconds?: number;
  /** When the run's reported time starts, in ms since the epoch (e.g. `performance.timeOrigin`); default: the call. */
  startedAt?: number;
}

export interface ApplyOptions extends RunOptions {
  /** Change nothing; report what a run would do. */
  check?: boolean;
  /** Report the before and after of every file that changes. */
  diff?: boolean;
  /**
   * Put the previous version back on a host whose change fails, arming a dead-man switch that does
   * so unless the run confirms within `windowSeconds` (null: none); null keeps failed changes.
   * Default `{ windowSeconds: 300 }`. A play's `rollback: false` turns it off for that play.
   */
  rollback?: Rollback | null;
}

export interface Rollback {
  windowSeconds: number | null;
}

export interface PlanResult extends RunSummary {
  /** The hosts a run would change, with their actions, diffs and exposure scores. */
  pending: HostResult[];
}

const DEFAULT_LOCK_WAIT_SECONDS = 30;
const DEFAULT_ROLLBACK = { windowSeconds: 300 };

/**
 * Converges every host the playbook targets among `fleet.targets`: facts, only what differs,
 * verification, checks. Plays run in order, each in its `serial:` batches within its failure
 * budgets. Input errors (a template a host's variables leave undefined, a socket on the SSH port)
 * throw `OctoiError('invalid-input')` before any host is contacted; once hosts are reached,
 * failures are results.
 */
export async function apply(fleet: Fleet | PreparedFleet, options: ApplyOptions = {}): Promise<RunSummary> {
  return run(fleet, options, { command: 'play', check: options.check ?? false, diff: options.diff ?? false, exposure: false, rollback: options.rollback === undefined ? DEFAULT_ROLLBACK : options.rollback });
}

/** What `apply` would change on each host, with diffs and each service's exposure score; changes nothing. */
export async function plan(fleet: Fleet | PreparedFleet, options: RunOptions = {}): Promise<PlanResult> {
  const summary = await run(fleet, options, { command: 'plan', check: true, diff: true, exposure: true, rollback: null });
  return { ...summary, pending: changedHosts(summary.results) };
}

/** A fleet with each play's hosts among its targets and each host's services rendered (`prepareFleet`). */
export interface PreparedFleet extends Fleet {
  plays: PlayTarget[];
  desired: DesiredState;
  /** What reports name the run by; the parts of one sharded run share it. Default: a new one for each call. */
  runId?: string;
  /** The part of a sharded run these plays are (`--shard`). */
  shard?: Shard | undefined;
}

/**
 * The plays' hosts among the targets and each one's services, rendered and checked before any host
 * is contacted; `apply`, `plan` and `status` take its answer as they take the fleet.
 */
export async function prepareFleet(fleet: Fleet | PreparedFleet): Promise<PreparedFleet> {
  if ('desired' in fleet) return fleet;
  const { playbook, inventory, targets, extraVars = new Map() } = fleet;
  const plays = selectPlays(playbook, inventory, { extraVars, among: targets });
  return { ...fleet, plays, desired: await desiredStateByHost(plays, inventory, extraVars) };
}

async function run(fleet: Fleet | PreparedFleet, options: RunOptions, mode: { command: ReportedCommand; check: boolean; diff: boolean; exposure: boolean; rollback: Rollback | null }): Promise<RunSummary> {
  const { plays, desired, runId = randomUUID(), shard } = await prepareFleet(fleet);
  refuseSshPortListeners(desired, fleet.targets);
  return withSessions(fleet.targets, options, (sessions) =>
    runPlaybook({
      runId,
      ...(shard ? { shard } : {}),
      playbookFile: fleet.playbook.file,
      plays,
      desired,
      forks: options.forks ?? DEFAULT_FORKS,
      ...mode,
      lockWaitSeconds: options.lockWaitSeconds ?? DEFAULT_LOCK_WAIT_SECONDS,
      commandTimeoutMs: commandTimeoutOf(options),
      sessions,
      onEvent: options.onEvent ?? ignoreEvents,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.startedAt === undefined ? {} : { startedAt: options.startedAt }),
    }),
  );
}
