import type { Diagnostic, SourcePosition } from '../diagnostics.js';
import type { Hardening, HardeningLevel } from '../units/hardening.js';
import type { Directive, ListenAddress, ServiceCheck } from '../units/types.js';
import type { Template } from '../template/template.js';
import type { Variables } from '../template/variables.js';
import type { YamlPath, YamlSource } from '../source/yaml-source.js';

export type ServiceUser = { kind: 'dynamic' } | { kind: 'fixed'; user: string; group: string | null };

type ServiceState = 'present' | 'absent';

export interface EnvironmentVariable {
  name: string;
  value: string;
}

/** A socket-activated service as declared in a playbook, validated and with defaults applied. */
export interface ServiceSpec {
  /** Unit base name: NAME.socket and NAME@.service (`accept`) or NAME.service. */
  name: string;
  description: string;
  listen: ListenAddress[];
  /** Accept=yes: an instance of NAME@.service per connection; false: one NAME.service gets the listening socket. */
  accept: boolean;
  user: ServiceUser;
  /** The script octoi installs; with `exec`, only where an earlier script of the service is cleaned up. */
  script: {
    /** Absolute path on the host. Default /opt/NAME/NAME.sh */
    path: string;
    content: string;
    /** Never shown in diffs or reports. */
    secret: boolean;
  };
  /** A program already on the host and its arguments, run instead of a script: argv exactly. */
  exec: string[] | null;
  /** Environment variables of the service, in the order written. */
  environment: EnvironmentVariable[];
  /** The environment's values are secret: kept in a root-only EnvironmentFile=, never shown. */
  secret: boolean;
  state: ServiceState;
  socketDirectives: Directive[];
  serviceDirectives: Directive[];
  /** The sandboxing of its template: the service's `hardening:` and `network:`, else the play's. */
  hardening: Hardening;
  /** Take over files at its paths that octoi did not write. */
  adopt: boolean;
  /** Drop-in names left alone in the units' `.d` folders. */
  allowedDropIns: string[];
  /** Present when the service declares `check:`. */
  check?: ServiceCheck;
  /** Where the service's mapping starts in the playbook. */
  position: SourcePosition;
}

/** One `serial:` step: a host count or a percentage of the play's hosts. */
export type BatchSize = { kind: 'count'; count: number } | { kind: 'percent'; percent: number };

export interface Play {
  name: string;
  /** Inventory host pattern. */
  hosts: string;
  services: PlayServices;
  position: SourcePosition;
  /** `hardening:` of the play: the level of its services that name none. */
  hardening: HardeningLevel;
  /** Present when a field of the play holds `{{ }}`. */
  templates?: PlayTemplates;
  /** Play `vars:`, as written. */
  vars?: Record<string, unknown>;
  /** Rolling batches in order; the last one repeats. */
  serial?: BatchSize[];
  /** `max_fail_percentage:` per batch, 0-100. */
  maxFailPercentage?: number;
  /** `max_failures:` across the whole run. */
  maxFailures?: number;
  /** `rollback: false`: a failed change keeps its new files (for debugging). */
  rollback?: boolean;
}

/**
 * A play's services: the same on every host (`fixed`), or, when a service holds `{{ }}`, rendered
 * and checked for each host with its variables (`templated`).
 */
export type PlayServices = { kind: 'fixed'; services: ServiceSpec[] } | { kind: 'templated'; render(host: string, variables: Variables): Promise<RenderedServices> };

/** One host's services of a templated play, or why they are invalid for that host (each diagnostic names it). */
export type RenderedServices = { services: ServiceSpec[]; diagnostics?: never } | { services?: never; diagnostics: Diagnostic[] };

/** What rendering a play's `{{ }}` fields needs: where they were written and their parsed form. */
export interface PlayTemplates {
  /** The playbook as written; the play is at `path`. */
  source: YamlSource;
  path: YamlPath;
  /** Every template of the play, parsed, by its text. */
  parsed: ReadonlyMap<string, Template>;
  /** `name:` or `hosts:` holds a template: rendered once with the play's vars and extra vars. */
  headerVaries: boolean;
}

export interface Playbook {
  file: string;
  plays: Play[];
}
