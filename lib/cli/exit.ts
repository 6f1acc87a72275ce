import { OctoiError, type Diagnostic, type ErrorKind } from '../diagnostics.js';
import { formatDiagnostics } from '../report/summary-lines.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { changedHosts } from '../run/results.js';
import type { HostResult } from '../run/types.js';

const exitCodeOfKind: Record<ErrorKind, ExitCodeValue> = {
  'invalid-input': ExitCode.invalidInput,
  'no-hosts-matched': ExitCode.noHostsMatched,
  lab: ExitCode.labFailed,
  interrupted: ExitCode.interrupted,
  internal: ExitCode.internal,
};

/** Prints an error the way every command does and says which exit code it means. */
export function reportError(error: unknown, stderr: NodeJS.WritableStream = process.stderr): ExitCodeValue {
  const input = inputErrorOf(error);
  if (input) {
    stderr.write(`${formatDiagnostics(input.diagnostics)}\n`);
    return input.exitCode;
  }
  stderr.write(`octoi: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
  return ExitCode.internal;
}

/** An error that is not a bug in octoi (invalid input, no host matched, an interrupt): what to show and its exit code. */
export function inputErrorOf(error: unknown): { diagnostics: readonly Diagnostic[]; exitCode: ExitCodeValue } | undefined {
  if (isArgumentError(error)) return inputErrorOf(usageError(error.message.split('. ')[0] ?? error.message, 'octoi COMMAND --help lists the options'));
  return error instanceof OctoiError ? { diagnostics: error.diagnostics, exitCode: exitCodeOfKind[error.kind] } : undefined;
}

/** What node's parseArgs throws for an unknown option or a missing value: the user's mistake. */
function isArgumentError(error: unknown): error is Error & { code: string } {
  const code: unknown = error instanceof TypeError ? (error as unknown as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/** The exit code of a finished run: interruption first, then failures, then unreachable hosts. */
export function exitCodeOfRun(results: ReadonlyArray<{ status: HostResult['status'] | 'failed' | 'unreachable' | 'ok' }>, interrupted: boolean): ExitCodeValue {
  if (interrupted) return ExitCode.interrupted;
  if (results.some((result) => result.status === 'failed')) return ExitCode.hostsFailed;
  if (results.some((result) => result.status === 'unreachable')) return ExitCode.hostsUnreachable;
  return ExitCode.ok;
}

/** `octoi plan`'s: a failure as any run's, else drift is not an error but CI must see it. */
export function exitCodeOfPlan(results: readonly HostResult[], interrupted: boolean): ExitCodeValue {
  const failures = exitCodeOfRun(results, interrupted);
  if (failures !== ExitCode.ok) return failures;
  return changedHosts(results).length > 0 ? ExitCode.changesPending : ExitCode.ok;
}

export function usageError(message: string, hint: string): OctoiError {
  return OctoiError.single('invalid-input', { message, hint });
}
