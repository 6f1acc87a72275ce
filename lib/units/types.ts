import type { SourcePosition } from '../diagnostics.js';

/** One `ListenStream=` value, parsed. */
export interface ListenAddress {
  /** `null` for a bare port: systemd listens on all addresses, dual-stack (`*:PORT` in ss). */
  host: string | null;
  family: 'any' | 'ipv4' | 'ipv6';
  port: number;
  /** The value written after `ListenStream=`: `13063`, `127.0.0.1:80`, `[::1]:80`. */
  unitValue: string;
}

/** What a service's answer must hold: text it contains, or a regular expression it matches. */
export type CheckExpectation = { kind: 'text'; text: string } | { kind: 'regex'; source: string };

/** A check's regex: `^` and `$` match at each line, as answers are mostly lines that end in a newline. */
export const CHECK_REGEX_FLAGS = 'm';

/** `check:` of a service: talk to it as a client would, once it is verified. */
export interface ServiceCheck {
  /** Sent once the connection opens; nothing is sent when absent. */
  send?: string;
  expect: CheckExpectation;
  /** For the whole check of one address, connecting included. */
  timeoutSeconds: number;
}

/** An extra `[Socket]`/`[Service]` directive, kept in the order written. */
export interface Directive {
  key: string;
  value: string;
  /** Set when it needs `privileged: true` (see directive-policy.ts): why. */
  privileged?: string;
}

/** A file octoi owns on a host: rendered unit, installed script, or secret environment. */
export interface ManagedFile {
  path: string;
  content: string;
  /** e.g. 0o644 for units, 0o755 for scripts. */
  mode: number;
  role: 'socket' | 'service' | 'script' | 'environment';
  /** Its text must never be shown (diffs, reports). */
  secret?: boolean;
  /** Its group when not root: a group octoi creates and owns on the host. */
  group?: string;
  /**
   * SHA-256 of what earlier versions of octoi wrote for the same declaration: found on a host
   * octoi has no record of, such a file (or one equal to `content`) is octoi's own.
   */
  earlierVersions: string[];
  /** Directives in it that need `privileged: true`, as `Key=value`: plan flags them. */
  privileged?: string[];
}

/** What one declared service means on disk and in systemd. */
export interface DesiredService {
  name: string;
  state: 'present' | 'absent';
  /** Accept=yes (instances of `serviceTemplate`) or Accept=no (one `mainService`). */
  accept: boolean;
  /** `NAME.socket` */
  socketUnit: string;
  /** `NAME@.service` */
  serviceTemplate: string;
  /** `NAME.service`: the one service of Accept=no, which gets the listening socket. */
  mainService: string;
  /** For `present`: the files with their content. For `absent`: the paths that must not exist. */
  files: ManagedFile[];
  /** For `present`: paths of the service's other shapes (the other unit, a script replaced by `exec` …), removed where octoi owns them. */
  leftovers: string[];
  /** The installed program `exec` runs: it must exist on the host and be executable. */
  program: string | null;
  /** Listen addresses systemd must hold once converged. */
  listen: ListenAddress[];
  /** Take over files at octoi's paths that octoi did not write (`adopt: true`). */
  adopt: boolean;
  /** Names of drop-ins (`NAME.conf`) in the units' `.d` folders that are left alone; any other is drift. */
  allowedDropIns: string[];
  /** How to prove it answers once verified; absent when the playbook declares no `check:`. */
  check?: ServiceCheck;
  /** The group octoi makes for the service when its script is secret, and removes with it. */
  secretGroup: string;
  /** Where it was declared, for diagnostics. */
  position?: SourcePosition;
}
