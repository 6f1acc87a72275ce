import type { ListenAddress } from '../units/types.js';

/**
 * One step of a host plan. The set is small on purpose: each reads well in a plan
 * (`+ write /etc/systemd/system/x.socket`) and maps to one remote operation.
 */
export type Action =
  | { kind: 'create-directory'; path: string; service: string }
  | { kind: 'create-group'; group: string; service: string }
  | { kind: 'adopt-file'; path: string; service: string; reason: string }
  /** `group`: the file's group when not root. */
  | { kind: 'write-file'; path: string; content: string; mode: number; change: 'create' | 'update' | 'mode'; service: string; group?: string; privileged?: string[] }
  | { kind: 'remove-file'; path: string; service: string }
  | { kind: 'remove-drop-in'; path: string; service: string }
  | { kind: 'remove-directory'; path: string; service: string }
  | { kind: 'remove-temp-file'; path: string }
  | { kind: 'remove-group'; group: string; service: string }
  | { kind: 'daemon-reload' }
  | { kind: 'enable-socket'; unit: string; service: string }
  /** `enabledNow`: this run enables it, so a failed start disables it again (nothing acts at the next boot). */
  | { kind: 'start-socket'; unit: string; service: string; enabledNow: boolean }
  | { kind: 'restart-socket'; unit: string; service: string; reason: string }
  /** The one service of Accept=no, if it runs (`systemctl try-restart`): it holds old code, environment or unit otherwise. */
  | { kind: 'restart-service'; unit: string; service: string; reason: string }
  | { kind: 'stop-service'; unit: string; service: string; reason: string }
  | { kind: 'disable-socket'; unit: string; service: string }
  | { kind: 'stop-instances'; template: string; service: string }
  | { kind: 'reset-failed'; units: string[]; service: string };

/** A file that must be in place once the plan is carried out: exactly this content, mode and owner. */
interface ExpectedFile {
  path: string;
  sha256: string;
  mode: number;
  /** When not root. */
  group?: string;
}

/** What must hold on the host once the plan is carried out. */
export interface Expectation {
  service: string;
  socketUnit: string;
  /** `NAME.service`, which must not run once the service is absent. */
  mainService: string;
  state: 'present' | 'absent';
  listen: ListenAddress[];
  /** present: the managed files as they must be; absent: empty. */
  files: ExpectedFile[];
  /** absent: files and folders that must be gone. */
  gone: string[];
}

/** Why octoi will not touch a host: it would write through a link, replace a file it does not own, shadow a system unit … */
export interface Refusal {
  service?: string;
  message: string;
  hint: string;
}

export interface HostPlan {
  actions: Action[];
  expectations: Expectation[];
  /** When any: the host is failed and nothing is done on it. */
  refusals: Refusal[];
}

/** A verification that failed, with what was found instead. */
export interface VerifyProblem {
  service: string;
  message: string;
}
