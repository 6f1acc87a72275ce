/**
 * One error type for the whole tool. A diagnostic says what is wrong, where it came from
 * (a file position, a field, or a host) and what to do about it. Validation gathers many
 * before anything connects; `OctoiError` carries them to the command line.
 */
export interface SourcePosition {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based */
  column: number;
}

type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  /** One sentence: what is wrong. */
  message: string;
  /** What to do about it, when there is something useful to say. */
  hint?: string;
  /** Where in an input file. */
  position?: SourcePosition;
  /** Dotted path of the offending field, e.g. `plays[0].services[1].listen`. */
  field?: string;
  /** The inventory host this is about. */
  host?: string;
}

export type ErrorKind =
  | 'invalid-input'
  | 'no-hosts-matched'
  | 'lab'
  | 'interrupted'
  | 'internal';

export class OctoiError extends Error {
  readonly kind: ErrorKind;
  readonly diagnostics: readonly Diagnostic[];

  constructor(kind: ErrorKind, diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'OctoiError';
    this.kind = kind;
    this.diagnostics = diagnostics;
  }

  static single(kind: ErrorKind, diagnostic: Omit<Diagnostic, 'severity'>): OctoiError {
    return new OctoiError(kind, [{ severity: 'error', ...diagnostic }]);
  }
}

export function formatPosition(position: SourcePosition): string {
  return `${position.file}:${position.line}:${position.column}`;
}

/** `FILE:LINE:COL: error: message (field: x)` then an indented hint, or `host gw01: error: ...`. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.position ? `${formatPosition(d.position)}: ` : d.host ? `host ${d.host}: ` : '';
  const field = d.field ? ` (field: ${d.field})` : '';
  const hint = d.hint ? `\n  hint: ${d.hint}` : '';
  return `${where}${d.severity}: ${d.message}${field}${hint}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
