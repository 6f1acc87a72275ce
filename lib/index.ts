/**
 * octoi as a library: the same steps the command line takes, typed, for use from scripts.
 * load (playbook, inventory) → target (patterns) → facts + plan (pure) → apply (SSH) → verify → report.
 */
export { loadPlaybook, parsePlaybook } from './config/playbook.js';
export type { Play, Playbook, ServiceSpec, ServiceUser } from './config/types.js';
export type { CheckExpectation, ListenAddress, ServiceCheck } from './units/types.js';
export { formatDiagnostic, OctoiError, type Diagnostic, type SourcePosition } from './diagnostics.js';
export { ExitCode } from './exit-codes.js';
export { loadInventory, loadVaultKeyring, selectHosts, type Inventory, type VaultPasswordOptions } from './inventory/index.js';
export { inventoryConnection } from './inventory/connection.js';
export { desiredService } from './desired/render.js';
export type { DesiredService, ManagedFile } from './units/types.js';
export { probeScript } from './facts/probe.js';
export { parseProbe } from './facts/parse-probe.js';
export type { HostFacts, Listener, UnitFact } from './facts/types.js';
export { planHost } from './plan/plan.js';
export { verifyHost } from './plan/verify.js';
export { describeAction } from './plan/describe.js';
export type { Action, Expectation, HostPlan, VerifyProblem } from './plan/types.js';
export { stepsScript, parseSteps } from './apply/script.js';
export { HostShell } from './apply/host-shell.js';
export { convergeHost, type ConvergeOptions, type ConvergeOutcome } from './apply/converge.js';
export { checkTargets, type CheckTarget } from './check/targets.js';
export { runCheck, withChecks } from './check/run-checks.js';
export { checkHost } from './apply/check-host.js';
export type { CheckFailure, CheckRecord } from './check/types.js';
export { connect, type RemoteSession, type ExecResult } from './ssh/session.js';
export { resolveSshTarget, SshConfigCache } from './ssh/ssh-config.js';
export { SshError } from './ssh/errors.js';
export type { SshTarget } from './ssh/types.js';
export { prepareRun, type PreparedRun } from './run/prepare.js';
export { desiredStateByHost, renderServicesForHost, servicesOf, type DesiredState } from './desired/host-services.js';
export { readExtraVars } from './config/extra-vars.js';
export { runPlaybook, targetPlays, type PlayTarget, type RunOptions, type RunSummary } from './run/run-playbook.js';
export { SessionPool } from './run/session-pool.js';
export type { HostResult, HostStatus, ReportedCommand, RunEvent, RunFinished, RunStarted } from './run/types.js';
export { jsonReport, type JsonReport } from './report/json.js';
export { joinShardReports, readShardReports, type JoinedRun } from './report/merge.js';
export { PlainView } from './report/plain-view.js';
export { formatRecap } from './report/recap.js';
