/** Process exit codes of the `octoi` command, documented in `--help` and the README. */
export const ExitCode = {
  ok: 0,
  /** A bug in octoi, or an error it did not expect. */
  internal: 1,
  /** At least one host failed (an action or its verification); the others ran to the end. */
  hostsFailed: 2,
  /** At least one host could not be reached or logged into; none failed otherwise. */
  hostsUnreachable: 3,
  /** The playbook, inventory or command line is invalid; no host was contacted. */
  invalidInput: 4,
  /** The host pattern matched no host of the inventory. */
  noHostsMatched: 5,
  /** `octoi plan`: changes are pending (the fleet drifted from the playbook). */
  changesPending: 6,
  /** The lab could not be started or stopped. */
  labFailed: 7,
  /** SIGINT or SIGTERM stopped the run. */
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
