import { posix } from 'node:path';
import type { ServiceSpec } from '../config/types.js';
import type { Directive } from '../units/types.js';
import { sha256 } from '../hash.js';
import { hardeningDirectives, withExtraDirectives } from '../units/hardening.js';
import { ENVIRONMENT_FILE_MODE, environmentFilePath, plainServiceName, SCRIPT_FILE_MODE, SECRET_SCRIPT_FILE_MODE, secretGroupOf, serviceTemplateName, socketUnitName, UNIT_DIRECTORY, UNIT_FILE_MODE } from '../units/names.js';
import type { DesiredService, ManagedFile } from '../units/types.js';
import { environmentAssignment, environmentFileLine, execCommandLine, renderUnit } from '../units/unit-syntax.js';

/** The files, directories and listeners that `spec` means on a host. */
export function desiredService(spec: ServiceSpec): DesiredService {
  const socketUnit = socketUnitName(spec.name);
  const serviceTemplate = serviceTemplateName(spec.name);
  const mainService = plainServiceName(spec.name);
  const present = spec.state === 'present';
  const unit = (name: string, render: (spec: ServiceSpec) => string, extras: Directive[]): ManagedFile => {
    const body = render(spec);
    const privileged = extras.filter((directive) => directive.privileged).map((directive) => `${directive.key}=${directive.value}`);
    return {
      path: posix.join(UNIT_DIRECTORY, name),
      mode: UNIT_FILE_MODE,
      role: name === socketUnit ? 'socket' : 'service',
      content: `${MANAGED_HEADER}${body}`,
      // Units written before the header existed are the text of today's level `none` without it.
      earlierVersions: [sha256(render({ ...spec, hardening: { level: 'none', network: false } }))],
      ...(privileged.length > 0 ? { privileged } : {}),
    };
  };
  const script: ManagedFile = {
    path: spec.script.path,
    mode: spec.script.secret ? SECRET_SCRIPT_FILE_MODE : SCRIPT_FILE_MODE,
    role: 'script',
    content: spec.script.content,
    earlierVersions: [],
    ...(spec.script.secret ? { secret: true, group: secretGroupOf(spec.name) } : {}),
  };
  const environment: ManagedFile = {
    path: environmentFilePath(spec.name),
    mode: ENVIRONMENT_FILE_MODE,
    role: 'environment',
    content: spec.environment.map(({ name, value }) => environmentFileLine(name, value)).join(''),
    earlierVersions: [],
    secret: true,
  };
  const wanted = present
    ? [
        unit(socketUnit, renderSocketUnit, spec.socketDirectives),
        unit(spec.accept ? serviceTemplate : mainService, renderServiceUnit, spec.serviceDirectives),
        ...(spec.exec === null ? [script] : []),
        ...(hasEnvironmentFile(spec) ? [environment] : []),
      ]
    : [];
  // Every path octoi may have written for this name, in any shape: what `absent` removes, and what a
  // present service leaves behind when it changes shape.
  const everyPath = [posix.join(UNIT_DIRECTORY, socketUnit), posix.join(UNIT_DIRECTORY, serviceTemplate), posix.join(UNIT_DIRECTORY, mainService), script.path, environment.path];
  const gone = everyPath.filter((path) => !wanted.some((file) => file.path === path));
  return {
    name: spec.name,
    state: spec.state,
    accept: spec.accept,
    socketUnit,
    serviceTemplate,
    mainService,
    files: present ? wanted : gone.map((path) => ({ path, mode: 0, role: roleOfPath(path, script.path, environment.path), content: '', earlierVersions: [] })),
    leftovers: present ? gone : [],
    program: present ? (spec.exec?.[0] ?? null) : null,
    listen: spec.listen,
    adopt: spec.adopt,
    allowedDropIns: spec.allowedDropIns,
    ...(spec.check ? { check: spec.check } : {}),
    secretGroup: secretGroupOf(spec.name),
    position: spec.position,
  };
}

function roleOfPath(path: string, scriptPath: string, environmentPath: string): ManagedFile['role'] {
  if (path === scriptPath) return 'script';
  if (path === environmentPath) return 'environment';
  return path.endsWith('.socket') ? 'socket' : 'service';
}

function hasEnvironmentFile(spec: ServiceSpec): boolean {
  return spec.secret && spec.environment.length > 0;
}

/** The first line of every unit octoi writes: whoever opens the file learns who manages it. */
export const MANAGED_HEADER = '# Managed by octoi: edits here are replaced by its next run (its record: /var/lib/octoi/owned).\n';


export function renderSocketUnit(spec: ServiceSpec): string {
  return renderUnit([
    unitSection(spec),
    {
      name: 'Socket',
      directives: [
        ...spec.listen.map((address) => ({ key: 'ListenStream', value: address.unitValue })),
        { key: 'Accept', value: spec.accept ? 'yes' : 'no' },
        ...spec.socketDirectives,
      ],
    },
    { name: 'Install', directives: [{ key: 'WantedBy', value: 'sockets.target' }] },
  ]);
}

/**
 * The template NAME@.service of `accept: true`, started for each connection with the connection as
 * stdin and stdout, or the NAME.service of `accept: false`, which systemd hands the listening
 * socket (fd 3 on, as sd_listen_fds(3) reads it).
 */
export function renderServiceUnit(spec: ServiceSpec): string {
  const argv = spec.exec ?? [spec.script.path];
  return renderUnit([
    unitSection(spec),
    {
      name: 'Service',
      directives: [
        // Per connection, a failing program is not a failed unit; a daemon's failure shows in its state.
        { key: 'ExecStart', value: `${spec.accept ? '-' : ''}${execCommandLine(argv)}` },
        // Never inherit stderr: with StandardInput=socket it would be the client's connection.
        ...(spec.accept ? [{ key: 'StandardInput', value: 'socket' }, { key: 'StandardError', value: 'null' }] : []),
        ...userDirectives(spec.user),
        ...(spec.script.secret && spec.exec === null ? [{ key: 'SupplementaryGroups', value: secretGroupOf(spec.name) }] : []),
        ...(spec.secret ? [] : spec.environment.map(({ name, value }) => ({ key: 'Environment', value: environmentAssignment(name, value) }))),
        ...(hasEnvironmentFile(spec) ? [{ key: 'EnvironmentFile', value: environmentFilePath(spec.name) }] : []),
        ...withExtraDirectives(hardeningDirectives(spec.hardening), spec.serviceDirectives),
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

