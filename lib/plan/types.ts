import type { ListenAddress } from '../config/types.js';

/**
 * One step of a host plan. The set is small on purpose: each reads well in a plan
 * (`+ write /etc/systemd/system/x.socket`) and maps to one remote operation.
 */
export type Action =
  | { kind: 'write-file'; path: string; content: string; mode: number; change: 'create' | 'update' | 'mode'; service: string }
  | { kind: 'remove-file'; path: string; service: string }
  | { kind: 'remove-directory'; path: string; service: string }
  | { kind: 'remove-temp-file'; path: string }
  | { kind: 'daemon-reload' }
  | { kind: 'enable-socket'; unit: string; service: string }
  | { kind: 'start-socket'; unit: string; service: string }
  | { kind: 'restart-socket'; unit: string; service: string; reason: string }
  | { kind: 'disable-socket'; unit: string; service: string }
  | { kind: 'stop-instances'; template: string; service: string }
  | { kind: 'reset-failed'; units: string[]; service: string };

export type ActionKind = Action['kind'];

/** What must hold on the host once the plan is carried out. */
export interface Expectation {
  service: string;
  socketUnit: string;
  state: 'present' | 'absent';
  listen: ListenAddress[];
  /** Files (present), or files and owned directories (absent), that must exist or be gone. */
  paths: string[];
}

export interface HostPlan {
  actions: Action[];
  expectations: Expectation[];
}

/** A verification that failed, with what was found instead. */
export interface VerifyProblem {
  service: string;
  message: string;
}
