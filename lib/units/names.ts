import { posix } from 'node:path';
import { sha256 } from '../hash.js';
import type { ManagedFile } from './types.js';

export const UNIT_DIRECTORY = '/etc/systemd/system';
/** Where secret environments go: read by systemd (pid 1) as root, by nobody else. */
const ENVIRONMENT_DIRECTORY = '/etc/octoi';
export const UNIT_FILE_MODE = 0o644;
export const SCRIPT_FILE_MODE = 0o755;
/** Readable and runnable by root and the members of the service's own group, nobody else. */
export const SECRET_SCRIPT_FILE_MODE = 0o750;
export const ENVIRONMENT_FILE_MODE = 0o600;

export function socketUnitName(serviceName: string): string {
  return `${serviceName}.socket`;
}

export function serviceTemplateName(serviceName: string): string {
  return `${serviceName}@.service`;
}

export function plainServiceName(serviceName: string): string {
  return `${serviceName}.service`;
}

export function environmentFilePath(serviceName: string): string {
  return posix.join(ENVIRONMENT_DIRECTORY, `${serviceName}.env`);
}

/** Units are loaded by systemd: a change needs a reload. Scripts and environment files are read at each start. */
export function isUnitFile(file: Pick<ManagedFile, 'role'>): boolean {
  return file.role === 'socket' || file.role === 'service';
}

/**
 * The group that may read a secret script: octoi's own system group for the service, which the
 * service joins (SupplementaryGroups= works with DynamicUser= and with a fixed user alike).
 * Named by a hash, as service names need not be valid group names.
 */
export function secretGroupOf(serviceName: string): string {
  return `octoi-secret-${sha256(serviceName).slice(0, 8)}`;
}
