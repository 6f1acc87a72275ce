import type { Directive } from './types.js';

/**
 * How much of systemd's sandboxing a service's template gets (systemd.exec(5)):
 * - `strict`: everything a per-connection script that talks over its inherited socket keeps
 *   working with, chosen by `systemd-analyze security` on the lab (README "Playbooks");
 * - `baseline`: no privileges, no kernel or device access, a read-only system, but the script's
 *   own network, system calls and writable-executable memory stay;
 * - `none`: the units as octoi wrote them before levels existed.
 * Every directive here is known to systemd 247 (Debian 11): a unit must mean the same on every
 * release a fleet runs.
 */
export const HARDENING_LEVELS = ['strict', 'baseline', 'none'] as const;
export type HardeningLevel = (typeof HARDENING_LEVELS)[number];
export const DEFAULT_HARDENING: HardeningLevel = 'strict';

export interface Hardening {
  level: HardeningLevel;
  /** The script opens connections of its own (strict only: baseline and none keep the host's network). */
  network: boolean;
}

const BASELINE: readonly Directive[] = directives({
  NoNewPrivileges: 'yes',
  CapabilityBoundingSet: '',
  PrivateTmp: 'yes',
  PrivateDevices: 'yes',
  ProtectSystem: 'full',
  ProtectHome: 'read-only',
  ProtectKernelTunables: 'yes',
  ProtectKernelModules: 'yes',
  ProtectKernelLogs: 'yes',
  ProtectControlGroups: 'yes',
  ProtectClock: 'yes',
  ProtectHostname: 'yes',
  RestrictSUIDSGID: 'yes',
  RestrictRealtime: 'yes',
  RestrictNamespaces: 'yes',
  LockPersonality: 'yes',
  SystemCallArchitectures: 'native',
  UMask: '0077',
});

/** Where strict goes further than baseline on a directive both set. */
const STRICTER_VALUES: Readonly<Record<string, string>> = { ProtectSystem: 'strict', ProtectHome: 'yes' };

const STRICT: readonly Directive[] = [
  ...BASELINE.map((directive) => ({ ...directive, value: STRICTER_VALUES[directive.key] ?? directive.value })),
  ...directives({
    PrivateUsers: 'yes',
    DevicePolicy: 'closed',
    ProtectProc: 'invisible',
    ProcSubset: 'pid',
    MemoryDenyWriteExecute: 'yes',
    RemoveIPC: 'yes',
    KeyringMode: 'private',
    SystemCallFilter: ['@system-service', '~@privileged @resources'],
    SystemCallErrorNumber: 'EPERM',
  }),
];


/** Without a network of its own, the accepted connection (an inherited descriptor) still works. */
const NO_NETWORK: readonly Directive[] = directives({ PrivateNetwork: 'yes', IPAddressDeny: 'any', RestrictAddressFamilies: 'AF_UNIX' });
const OUTBOUND_NETWORK: readonly Directive[] = directives({ RestrictAddressFamilies: 'AF_INET AF_INET6 AF_UNIX' });

/** The `[Service]` directives of a level, in the order they are written. */
export function hardeningDirectives({ level, network }: Hardening): Directive[] {
  if (level === 'none') return [];
  if (level === 'baseline') return [...BASELINE];
  return [...STRICT, ...(network ? OUTBOUND_NETWORK : NO_NETWORK)];
}

/**
 * The level's directives with every one the playbook sets itself left out: an extra `service:`
 * directive replaces the level's directive of the same name (all its values), never adds to it.
 */
export function withExtraDirectives(level: readonly Directive[], extra: readonly Directive[]): Directive[] {
  const named = new Set(extra.map((directive) => directive.key));
  return [...level.filter((directive) => !named.has(directive.key)), ...extra];
}

function directives(entries: Record<string, string | readonly string[]>): Directive[] {
  return Object.entries(entries).flatMap(([key, value]) => (typeof value === 'string' ? [value] : value).map((one) => ({ key, value: one })));
}
