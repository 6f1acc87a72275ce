/**
 * octoi as a library: the functions the command line is built on, typed, for use from scripts.
 * validatePlaybook / loadInventory → resolveTargets → plan / apply / status, then report.
 * Below them, each step alone: render (desiredService), facts (probeScript, parseProbe), the pure
 * planner (planHost, verifyHost), one host (convergeHost), checks, SSH.
 */
export { validatePlaybook, loadPlaybook, parsePlaybook, type PlaybookSource, type PlaybookValidation, type ScriptReader } from './config/playbook.js';
export type { Play, Playbook, PlayServices, RenderedServices, ServiceSpec, ServiceUser } from './config/types.js';
export { readExtraVars } from './config/extra-vars.js';
export { loadAnsibleConfig, type AnsibleConfig } from './config/ansible-cfg.js';
export { loadInventory, type LoadedInventory } from './api/inventory.js';
export { loadVaultKeyring, selectHosts, VaultKeyring, type Inventory, type LoadOptions as InventoryOptions, type VaultPasswordOptions } from './inventory/index.js';
export { inventoryConnection } from './inventory/connection.js';
export { resolveTargets, type TargetOptions, type Targets } from './run/targets.js';
export { SessionPool, HostRefusedError, type HostTarget, type RefusedHostTarget, type SshHostTarget } from './run/session-pool.js';
export { apply, plan, prepareFleet, type ApplyOptions, type Fleet, type PlanResult, type PreparedFleet, type Rollback, type RunOptions } from './api/run.js';
export { status, type StatusFleet, type StatusOptions, type StatusResult } from './api/status.js';
export type { ReachOptions } from './api/sessions.js';
export type { RunSummary } from './run/run-playbook.js';
export type { HostResult, HostStatus, ReportedCommand, RunEvent, RunEventListener, RunFinished, RunStarted } from './run/types.js';
export type { ActionRecord, FileDiff, HostFailure, HostPhase, HostStep } from './host/results.js';
export type { HostStatusEntry, ServiceStatus } from './host/status.js';
export { formatStatusTable, type StatusReport } from './report/status-table.js';
export { jsonReport, type JsonReport } from './report/json.js';
export { joinShardReports, readShardReports, type JoinedRun } from './report/merge.js';
export { PlainView } from './report/plain-view.js';
export { formatRecap } from './report/recap.js';
export { formatDiagnostic, hasErrors, OctoiError, type Diagnostic, type SourcePosition } from './diagnostics.js';
export { ExitCode } from './exit-codes.js';
export type { CheckExpectation, DesiredService, ListenAddress, ManagedFile, ServiceCheck } from './units/types.js';
export { desiredService } from './desired/render.js';
export { renderServicesForHost } from './desired/host-services.js';
export { probeScript } from './facts/probe.js';
export { parseProbe } from './facts/parse-probe.js';
export type { HostFacts, Listener, UnitFact } from './facts/types.js';
export { planHost } from './plan/plan.js';
export { verifyHost } from './plan/verify.js';
export { describeAction } from './plan/describe.js';
export type { Action, Expectation, HostPlan, VerifyProblem } from './plan/types.js';
export { convergeHost, type ConvergeOptions, type ConvergeOutcome } from './apply/converge.js';
export { checkTargets, type CheckTarget } from './check/targets.js';
export { runCheck, withChecks } from './check/run-checks.js';
export { checkHost } from './apply/check-host.js';
export type { CheckFailure, CheckRecord } from './check/types.js';
export { connect, type ConnectOptions, type RemoteSession, type ExecResult } from './ssh/session.js';
export type { BecomeOptions } from './ssh/become.js';
export { resolveSshTarget, SshConfigCache } from './ssh/ssh-config.js';
export { SshError } from './ssh/errors.js';
export type { SshTarget } from './ssh/types.js';
