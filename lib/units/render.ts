import { posix } from 'node:path';
import type { Directive, ServiceSpec } from '../config/types.js';
import type { DesiredService, ManagedFile } from './types.js';
import { execStartValue, renderUnit } from './unit-syntax.js';

export const UNIT_DIRECTORY = '/etc/systemd/system';
export const UNIT_FILE_MODE = 0o644;
export const SCRIPT_FILE_MODE = 0o755;

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
  const file = (path: string, mode: number, role: ManagedFile['role'], render: () => string): ManagedFile => ({
    path,
    mode,
    role,
    content: present ? render() : '',
  });
  return {
    name: spec.name,
    state: spec.state,
    socketUnit,
    serviceTemplate,
    files: [
      file(posix.join(UNIT_DIRECTORY, socketUnit), UNIT_FILE_MODE, 'socket', () => renderSocketUnit(spec)),
      file(posix.join(UNIT_DIRECTORY, serviceTemplate), UNIT_FILE_MODE, 'service', () => renderServiceTemplate(spec)),
      { ...file(spec.script.path, SCRIPT_FILE_MODE, 'script', () => spec.script.content), ...(spec.script.secret ? { secret: true } : {}) },
    ],
    ownedDirectories: present ? [] : ownedDirectories(spec, socketUnit, serviceTemplate),
    listen: spec.listen,
  };
}

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
        ...spec.serviceDirectives,
      ],
    },
  ]);
}

function unitSection(spec: ServiceSpec) {
  return { name: 'Unit', directives: [{ key: 'Description', value: spec.description }] };
}

function userDirectives(user: ServiceSpec['user']): Directive[] {
  if (user.kind === 'dynamic') return [{ key: 'DynamicUser', value: 'true' }];
  const group = user.group === null ? [] : [{ key: 'Group', value: user.group }];
  return [{ key: 'User', value: user.user }, ...group];
}

function ownedDirectories(spec: ServiceSpec, socketUnit: string, serviceTemplate: string): string[] {
  const dropIns = [socketUnit, serviceTemplate].map((unit) => posix.join(UNIT_DIRECTORY, `${unit}.d`));
  const scriptDirectory = posix.dirname(spec.script.path);
  // Only the folder octoi names after the service is its own; any other may hold more than the script.
  return scriptDirectory === posix.join('/opt', spec.name) ? [...dropIns, scriptDirectory] : dropIns;
}
