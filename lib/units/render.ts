import { posix } from 'node:path';
import type { Directive, ServiceSpec } from '../config/types.js';
import { sha256 } from '../hash.js';
import type { DesiredService, ManagedFile } from './types.js';
import { execStartValue, renderUnit } from './unit-syntax.js';

export const UNIT_DIRECTORY = '/etc/systemd/system';
export const UNIT_FILE_MODE = 0o644;
export const SCRIPT_FILE_MODE = 0o755;
/** Readable and runnable by root and the members of the service's own group, nobody else. */
export const SECRET_SCRIPT_FILE_MODE = 0o750;

export function socketUnitName(serviceName: string): string {
  return `${serviceName}.socket`;
}

export function serviceTemplateName(serviceName: string): string {
  return `${serviceName}@.service`;
}

/** The files, directories and listeners that `spec` means on a host. */
export function desiredService(spec: ServiceSpec): DesiredService {
  const socketUnit = socketUnitName(spec.name);
  const serviceTemplate = serviceTemplateName(spec.name);
  const present = spec.state === 'present';
  const unit = (path: string, role: ManagedFile['role'], render: () => string, extras: Directive[]): ManagedFile => {
    const body = present ? render() : '';
    const privileged = extras.filter((directive) => directive.privileged).map((directive) => `${directive.key}=${directive.value}`);
    return {
      path,
      mode: UNIT_FILE_MODE,
      role,
      content: present ? `${MANAGED_HEADER}${body}` : '',
      // Units written before the header existed are the same text without it.
      earlierVersions: present ? [sha256(body)] : [],
      ...(present && privileged.length > 0 ? { privileged } : {}),
    };
  };
  return {
    name: spec.name,
    state: spec.state,
    socketUnit,
    serviceTemplate,
    files: [
      unit(posix.join(UNIT_DIRECTORY, socketUnit), 'socket', () => renderSocketUnit(spec), spec.socketDirectives),
      unit(posix.join(UNIT_DIRECTORY, serviceTemplate), 'service', () => renderServiceTemplate(spec), spec.serviceDirectives),
      {
        path: spec.script.path,
        mode: spec.script.secret ? SECRET_SCRIPT_FILE_MODE : SCRIPT_FILE_MODE,
        role: 'script',
        content: present ? spec.script.content : '',
        earlierVersions: [],
        ...(spec.script.secret ? { secret: true, group: secretGroupOf(spec.name) } : {}),
      },
    ],
    listen: spec.listen,
    adopt: spec.adopt,
    allowedDropIns: spec.allowedDropIns,
    secretGroup: secretGroupOf(spec.name),
    position: spec.position,
  };
}

/** The first line of every unit octoi writes: whoever opens the file learns who manages it. */
export const MANAGED_HEADER = '# Managed by octoi: edits here are replaced by its next run (its record: /var/lib/octoi/owned).\n';


export function renderSocketUnit(spec: ServiceSpec): string {
  if (!spec.accept) throw new Error(`${spec.name}: Accept=no is not supported; validation rejects accept: false`);
  return renderUnit([
    unitSection(spec),
    {
      name: 'Socket',
      directives: [
        ...spec.listen.map((address) => ({ key: 'ListenStream', value: address.unitValue })),
        { key: 'Accept', value: 'yes' },
        ...spec.socketDirectives,
      ],
    },
    { name: 'Install', directives: [{ key: 'WantedBy', value: 'sockets.target' }] },
  ]);
}

export function renderServiceTemplate(spec: ServiceSpec): string {
  return renderUnit([
    unitSection(spec),
    {
      name: 'Service',
      directives: [
        { key: 'ExecStart', value: execStartValue(spec.script.path) },
        // Never inherit stderr: with StandardInput=socket it would be the client's connection.
        { key: 'StandardInput', value: 'socket' },
        { key: 'StandardError', value: 'null' },
        ...userDirectives(spec.user),
        ...(spec.script.secret ? [{ key: 'SupplementaryGroups', value: secretGroupOf(spec.name) }] : []),
        ...spec.serviceDirectives,
      ],
    },
  ]);
}

/**
 * The group that may read a secret script: octoi's own system group for the service, which the
 * service joins (SupplementaryGroups= works with DynamicUser= and with a fixed user alike).
 * Named by a hash, as service names need not be valid group names.
 */
export function secretGroupOf(serviceName: string): string {
  return `octoi-secret-${sha256(serviceName).slice(0, 8)}`;
}

function unitSection(spec: ServiceSpec) {
  return { name: 'Unit', directives: [{ key: 'Description', value: spec.description }] };
}

function userDirectives(user: ServiceSpec['user']): Directive[] {
  if (user.kind === 'dynamic') return [{ key: 'DynamicUser', value: 'true' }];
  const group = user.group === null ? [] : [{ key: 'Group', value: user.group }];
  return [{ key: 'User', value: user.user }, ...group];
}

