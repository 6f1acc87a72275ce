import type { AnsibleConfig } from '../config/ansible-cfg.js';
import { OctoiError, type Diagnostic } from '../diagnostics.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { Inventory } from '../inventory/index.js';
import { EventsFileView } from '../report/events-view.js';
import { JsonFileView } from '../report/json.js';
import { JunitFileView } from '../report/junit-view.js';
import { PlainView } from '../report/plain-view.js';
import { statusTableView } from '../report/status-table.js';
import { broadcast, type View } from '../report/view.js';
import { SessionPool, type HostTarget } from '../run/session-pool.js';
import type { RunEventListener } from '../run/types.js';
import { prepareRun, withInventoryWarnings, type PreparedRun } from '../run/prepare.js';
import { resolveTargets } from '../run/targets.js';
import { fleetOptionsUsage, type FleetSettings } from './targets.js';
import { inputErrorOf } from './exit.js';

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

/** What a command that reaches hosts gets from `runFleetCommand`. */
export interface FleetCommand {
  /** Shows an event in every view. */
  show: RunEventListener;
  /** Aborted by the first SIGINT/SIGTERM. */
  signal: AbortSignal;
  /** The command's connections: closed when it ends, or at once on a second interrupt. */
  connect(targets: ReadonlyMap<string, HostTarget>, settings: Pick<FleetSettings, 'connectTimeoutMs' | 'commandTimeoutMs'>): SessionPool;
  /** Warnings about the input (ansible.cfg, the inventory), in every view. */
  warn(warnings: readonly Diagnostic[]): void;
}

/**
 * The frame of play, plan, check and status: interrupts taken from the start (one that comes while
 * the input is read still ends in the reports), one session pool closed at the end, and every
 * view closed after the last event. Invalid input reaches the views as a diagnostics event, so the
 * report files hold it too; the exit code is the body's, or the error's.
 */
export async function runFleetCommand(views: readonly View[], body: (command: FleetCommand) => Promise<ExitCodeValue>): Promise<ExitCodeValue> {
  let sessions: SessionPool | undefined;
  const show = broadcast(views);
  const interruption = onInterrupt(show, async () => sessions?.closeAll());
  const command: FleetCommand = {
    show,
    signal: interruption.signal,
    connect: (targets, { connectTimeoutMs, commandTimeoutMs }) => (sessions = new SessionPool(targets, { connectTimeoutMs, commandTimeoutMs })),
    warn: (warnings) => {
      if (warnings.length > 0) show({ type: 'diagnostics', diagnostics: [...warnings] });
    },
  };
  try {
    return await body(command);
  } catch (error) {
    const input = inputErrorOf(error);
    // A bug reaches the reports too, so a CI job reading them sees that the run broke, and why.
    const internal: Diagnostic = { severity: 'error', message: `internal error: ${(error as Error)?.stack ?? String(error)}` };
    show({ type: 'diagnostics', diagnostics: input ? [...input.diagnostics] : [internal] });
    return input?.exitCode ?? ExitCode.internal;
  } finally {
    interruption.dispose();
    await sessions?.closeAll();
    await Promise.all(views.map((view) => view.close()));
  }
}

/** The options every command that runs a playbook on hosts reads. */
export interface PlaybookValues {
  'extra-vars'?: string[] | undefined;
  shard?: string | undefined;
  'ssh-config'?: string | undefined;
  'accept-new': boolean;
}

/**
 * The playbook and inventory read and every targeted host resolved, before any host is contacted;
 * the inventory's warnings are shown (with the errors, when there are any).
 */
export async function readFleetInput(command: FleetCommand, playbookFile: string, values: PlaybookValues, config: AnsibleConfig, settings: FleetSettings): Promise<{ prepared: PreparedRun; targets: Map<string, HostTarget> }> {
  const { inventories, limit, vault } = settings;
  const prepared = await prepareRun({ playbookFile, inventories, limit, extraVars: values['extra-vars'] ?? [], shard: values.shard, vault });
  const targets = await withInventoryWarnings(prepared.inventory, () => connectionTargets(prepared.inventory, prepared.hosts, values, config));
  command.warn(prepared.inventory.warnings);
  return { prepared, targets };
}

/** How to reach each host: the inventory's connection variables, ssh_config, ansible.cfg's defaults and --accept-new. */
export function connectionTargets(inventory: Inventory, hosts: readonly string[], values: Pick<PlaybookValues, 'ssh-config' | 'accept-new'>, config: AnsibleConfig): Promise<Map<string, HostTarget>> {
  return resolveTargets(inventory, hosts, { sshConfig: values['ssh-config'], acceptNew: values['accept-new'], ansibleConfig: config });
}

/** The views a run of play, plan or check shows: the terminal's or plain lines, and the report files asked for. */
export async function runViews(values: { plain: boolean; json?: string | undefined; events?: string | undefined; junit?: string | undefined }): Promise<View[]> {
  // listr2 is loaded only for a terminal
  const human = values.plain || !process.stdout.isTTY ? new PlainView(terminal) : new (await import('../report/progress-view.js')).ProgressView(terminal);
  return [human, ...fileViews(values), ...(values.junit ? [new JunitFileView(values.junit)] : [])];
}

/** The views of `octoi status`: its table, and the report files asked for. */
export function statusViews(values: { json?: string | undefined; events?: string | undefined }): View[] {
  return [statusTableView(terminal), ...fileViews(values)];
}

const terminal = { out: process.stdout, err: process.stderr };

function fileViews(values: { json?: string | undefined; events?: string | undefined }): View[] {
  return [...(values.json ? [new JsonFileView(values.json)] : []), ...(values.events ? [new EventsFileView(values.events)] : [])];
}

/**
 * The first SIGINT/SIGTERM stops new hosts from starting and lets those in progress finish
 * their step for a few seconds; a second one, or the grace period running out, closes every
 * connection at once. Either way the recap says what was done.
 */
const INTERRUPT_GRACE_SECONDS = 5;

function onInterrupt(show: RunEventListener, closeConnections: () => Promise<void>): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const handler = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      void closeConnections();
      return;
    }
    show({ type: 'interrupt', signal, graceSeconds: INTERRUPT_GRACE_SECONDS });
    controller.abort(new OctoiError('interrupted', [{ severity: 'error', message: `interrupted by ${signal}` }]));
    timer = setTimeout(() => void closeConnections(), INTERRUPT_GRACE_SECONDS * 1000);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
