/** How a check of one address failed. */
export type CheckFailure =
  /** The service closed the connection without the expected answer. */
  | 'closed'
  /** No expected answer within the check's timeout. */
  | 'timeout'
  /** More than octoi reads came back without the expected answer. */
  | 'too-long'
  /** The host could not connect to the address (nothing listens there, …). */
  | 'connect-failed'
  /** The host's sshd does not allow TCP forwarding (`AllowTcpForwarding no`): octoi cannot connect through SSH. */
  | 'forwarding-forbidden';

/** One check of one address, as reports show it. */
export interface CheckRecord {
  service: string;
  /** Where the host connected: `127.0.0.1:13063`, `[::1]:13063`; in check mode, the declared address (`*:13063`). */
  address: string;
  /** What the answer must hold: `"Hello World"` or `/^Hello/`. */
  expect: string;
  /** `planned` in check mode, where nothing connects. */
  outcome: 'passed' | 'failed' | 'planned';
  failure?: CheckFailure;
  /** Bytes the service sent back. */
  bytes?: number;
  durationMs?: number;
  /** What came back against what was expected, for a failed check. */
  message?: string;
}
